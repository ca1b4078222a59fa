// What was run, per Maya session, newest first: recallable into the editor, kept across
// restarts in localStorage (capped, consecutive repeats merged).
import type { Language } from "../bindings/Language";

export interface HistoryEntry {
  code: string;
  lang: Language;
  timeMs: number;
  /** true/false once the run finished (false: a Python/MEL error), null while running or undelivered. */
  ok: boolean | null;
}

export const RUN_HISTORY_KEY = "mayalink.runHistory.v1";
export const RUN_HISTORY_CAP = 100;

export type HistoryMap = Record<string, HistoryEntry[]>;

export function addToHistory(map: HistoryMap, session: string, entry: HistoryEntry, cap = RUN_HISTORY_CAP): HistoryMap {
  const list = map[session] ?? [];
  const rest = list[0] && list[0].code === entry.code && list[0].lang === entry.lang ? list.slice(1) : list;
  return { ...map, [session]: [entry, ...rest].slice(0, cap) };
}

/** Marks the newest entry with this code as finished. */
export function markResult(map: HistoryMap, session: string, code: string, ok: boolean | null): HistoryMap {
  const list = map[session];
  if (!list) return map;
  const i = list.findIndex((e) => e.code === code);
  if (i < 0) return map;
  const next = list.slice();
  next[i] = { ...(next[i] as HistoryEntry), ok };
  return { ...map, [session]: next };
}

export function parseHistory(json: string | null): HistoryMap {
  if (!json) return {};
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v !== "object" || v === null) return {};
    const out: HistoryMap = {};
    for (const [k, list] of Object.entries(v)) {
      if (!Array.isArray(list)) continue;
      out[k] = list
        .filter((e): e is HistoryEntry => typeof e === "object" && e !== null && typeof e.code === "string")
        .map((e): HistoryEntry => ({ code: e.code, lang: e.lang === "mel" ? "mel" : "python", timeMs: Number(e.timeMs) || 0, ok: typeof e.ok === "boolean" ? e.ok : null }))
        .slice(0, RUN_HISTORY_CAP);
    }
    return out;
  } catch {
    return {};
  }
}

/** One line summary of a run for the history list. */
export function summarizeCode(code: string, max = 80): string {
  const lines = code.split("\n").filter((l) => l.trim() !== "");
  const first = (lines[0] ?? "").trim();
  const more = lines.length > 1 ? ` (+${lines.length - 1} lines)` : "";
  return (first.length > max ? first.slice(0, max - 1) + "…" : first) + more;
}
