// Clickable `File "path", line N` in tracebacks: finding the reference in a console line,
// and resolving it to an editor tab and line. Runs from the editor name their file so:
//   a saved tab, whole file:        File "/home/me/tools/rig.py", line 12
//   an unsaved tab, whole text:     File "<Script 2>", line 12
//   a selection or the cursor line: File "<rig.py, from line 40>", line 3  (→ line 42)
// (see runFileName in ../editor/editor-tabs.ts, which makes these names).

export interface TracebackRef {
  file: string;
  line: number;
  /** Character range of the whole `File "…", line N` in the text. */
  start: number;
  end: number;
}

const FILE_LINE = /File "([^"]+)", line (\d+)/;

/** The first `File "…", line N` in a line of text, or null. */
export function parseTracebackRef(text: string): TracebackRef | null {
  const m = FILE_LINE.exec(text);
  if (!m) return null;
  return { file: m[1] as string, line: Number(m[2]), start: m.index, end: m.index + m[0].length };
}

/** What the editor needs to know of a tab to be a link target. */
export interface LinkTab {
  id: string;
  title: string;
  path: string | null;
}

export interface LinkTarget {
  tabId: string;
  line: number;
}

const FROM_LINE = /^<(.+), from line (\d+)>$/;
const UNTITLED = /^<(.+)>$/;

/** The tab and 1-based line a traceback reference points at, when that file is open. */
export function resolveTracebackRef(ref: { file: string; line: number }, tabs: readonly LinkTab[]): LinkTarget | null {
  const byName = (name: string) => tabs.find((t) => t.path === name) ?? tabs.find((t) => t.path === null && t.title === name);
  const from = FROM_LINE.exec(ref.file);
  if (from) {
    const tab = byName(from[1] as string) ?? tabs.find((t) => t.title === from[1]);
    return tab ? { tabId: tab.id, line: Number(from[2]) + ref.line - 1 } : null;
  }
  const exact = tabs.find((t) => t.path !== null && t.path === ref.file);
  if (exact) return { tabId: exact.id, line: ref.line };
  const untitled = UNTITLED.exec(ref.file);
  if (untitled) {
    const tab = tabs.find((t) => t.path === null && t.title === untitled[1]);
    return tab ? { tabId: tab.id, line: ref.line } : null;
  }
  return null;
}
