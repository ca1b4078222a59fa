// The command editor's tabs as plain data: what is autosaved (and restored after a crash or
// restart), the file names runs give Maya (so tracebacks link back to the tab), and the
// small rules around titles, languages and dirty markers.
import type { Language } from "../bindings/Language";

export interface TabData {
  id: string;
  /** "Script 1" for an unsaved tab, the file's name for a saved one. */
  title: string;
  /** The file on disk, or null for a tab never saved. */
  path: string | null;
  lang: Language;
  text: string;
  /** The text as last opened/saved from disk (null: never saved). Dirty = text differs. */
  savedText: string | null;
  /** Cursor (selection head) offset. */
  cursor: number;
}

export interface TabsSnapshot {
  tabs: TabData[];
  activeId: string | null;
  /** Next number for "Script N". */
  nextNumber: number;
  /** When this snapshot was taken (ms since the epoch): the newer of two copies wins. */
  savedAt: number;
}

export const TABS_FORMAT = "mayalink-tabs";
export const TABS_VERSION = 1;
/** localStorage key of the backup copy of the tabs. */
export const TABS_BACKUP_KEY = "mayalink.tabs.backup.v1";

export function isDirty(tab: Pick<TabData, "text" | "savedText">): boolean {
  return tab.savedText === null ? tab.text !== "" : tab.text !== tab.savedText;
}

/** The language of a file, from its extension. */
export function languageOfPath(path: string): Language {
  return /\.mel$/i.test(path) ? "mel" : "python";
}

export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** The file name a run tells Maya, so its tracebacks point back here (see traceback-links.ts). */
export function runFileName(tab: Pick<TabData, "title" | "path">, fromLine: number | null): string {
  const name = tab.path ?? tab.title;
  if (fromLine !== null) return `<${name}, from line ${fromLine}>`;
  return tab.path ?? `<${tab.title}>`;
}

export function serializeTabs(snapshot: TabsSnapshot): string {
  return JSON.stringify({ format: TABS_FORMAT, version: TABS_VERSION, ...snapshot });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

function parseTab(v: unknown): TabData | null {
  if (!isObject(v)) return null;
  if (typeof v.id !== "string" || typeof v.text !== "string") return null;
  const lang: Language = v.lang === "mel" ? "mel" : "python";
  const path = typeof v.path === "string" && v.path !== "" ? v.path : null;
  const title = typeof v.title === "string" && v.title !== "" ? v.title : path ? baseName(path) : "Script";
  const savedText = typeof v.savedText === "string" ? v.savedText : null;
  const cursor = typeof v.cursor === "number" && Number.isFinite(v.cursor) ? Math.max(0, Math.min(v.text.length, Math.floor(v.cursor))) : 0;
  return { id: v.id, title, path, lang, text: v.text, savedText, cursor };
}

/** Reads an autosaved snapshot; null when it is missing, foreign or unreadable. Never throws. */
export function parseTabs(json: string | null | undefined): TabsSnapshot | null {
  if (!json) return null;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  if (!isObject(v) || v.format !== TABS_FORMAT || !Array.isArray(v.tabs)) return null;
  const seen = new Set<string>();
  const tabs: TabData[] = [];
  for (const t of v.tabs) {
    const tab = parseTab(t);
    if (tab && !seen.has(tab.id)) {
      seen.add(tab.id);
      tabs.push(tab);
    }
  }
  const activeId = typeof v.activeId === "string" && seen.has(v.activeId) ? v.activeId : (tabs[0]?.id ?? null);
  const nextNumber = typeof v.nextNumber === "number" && v.nextNumber >= 1 ? Math.floor(v.nextNumber) : tabs.length + 1;
  const savedAt = typeof v.savedAt === "number" ? v.savedAt : 0;
  return { tabs, activeId, nextNumber, savedAt };
}

/** The newer of two snapshots (either may be missing). */
export function newerSnapshot(a: TabsSnapshot | null, b: TabsSnapshot | null): TabsSnapshot | null {
  if (!a) return b;
  if (!b) return a;
  return b.savedAt > a.savedAt ? b : a;
}

let counter = 0;
export function newTabId(): string {
  counter += 1;
  return `tab-${Date.now().toString(36)}-${counter.toString(36)}`;
}

/** The code a "run selection or line" sends: the selection, else the cursor's line. */
export function selectionOrLine(
  doc: string,
  from: number,
  to: number,
): { code: string; fromLine: number; nextLineStart: number | null } {
  const lineNumberAt = (pos: number) => doc.slice(0, pos).split("\n").length;
  if (from !== to) {
    const [a, b] = from < to ? [from, to] : [to, from];
    return { code: doc.slice(a, b), fromLine: lineNumberAt(a), nextLineStart: null };
  }
  const start = doc.lastIndexOf("\n", from - 1) + 1;
  const nl = doc.indexOf("\n", from);
  const end = nl === -1 ? doc.length : nl;
  return { code: doc.slice(start, end), fromLine: lineNumberAt(start), nextLineStart: nl === -1 ? null : nl + 1 };
}
