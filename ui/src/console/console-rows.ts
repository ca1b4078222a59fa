// What one visible console row shows: its text cut into plain, search-match and traceback
// link segments; and how lines read when copied or saved.
import type { LinkTab, LinkTarget } from "./traceback-links";
import { parseTracebackRef, resolveTracebackRef } from "./traceback-links";
import { formatLineTime } from "./line-kind-style";
import type { StoredLine } from "./line-store";

export interface Segment {
  text: string;
  /** Part of a search match. */
  match?: boolean;
  /** A traceback reference: where it leads (null: the file is not open in the editor). */
  link?: { file: string; line: number; target: LinkTarget | null };
}

/** Cuts `text` into segments: the traceback reference (if any) and the search matches. */
export function segmentText(text: string, pattern: RegExp | null, tabs: readonly LinkTab[] | null): Segment[] {
  const out: Segment[] = [];
  const ref = tabs ? parseTracebackRef(text) : null;
  const pushMatches = (part: string) => {
    if (part === "") return;
    if (!pattern) {
      out.push({ text: part });
      return;
    }
    const global = new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : pattern.flags + "g");
    let last = 0;
    for (const m of part.matchAll(global)) {
      if (m[0] === "") break;
      const at = m.index ?? 0;
      if (at > last) out.push({ text: part.slice(last, at) });
      out.push({ text: m[0], match: true });
      last = at + m[0].length;
    }
    if (last < part.length) out.push({ text: part.slice(last) });
  };
  if (ref && tabs) {
    pushMatches(text.slice(0, ref.start));
    const target = resolveTracebackRef(ref, tabs);
    const linkText = text.slice(ref.start, ref.end);
    out.push({ text: linkText, link: { file: ref.file, line: ref.line, target }, match: pattern ? pattern.test(linkText) : false });
    pushMatches(text.slice(ref.end));
  } else pushMatches(text);
  return out;
}

export interface CopyFormat {
  times: boolean;
  /** Session names per id, for the "All sessions" view (null: no tags). */
  sessionName: ((id: string) => string) | null;
}

/** A line as plain text for the clipboard or a saved log. */
export function formatLine(line: StoredLine | { text: string; timeMs: number; session: string }, format: CopyFormat): string {
  let prefix = "";
  if (format.times) prefix += `${formatLineTime(line.timeMs)} `;
  if (format.sessionName && line.session !== "app") prefix += `[${format.sessionName(line.session)}] `;
  return prefix + line.text;
}

/** A file name for a saved console: "mayalink-console-Anim-2026-01-02-1304.log". */
export function logFileName(scopeName: string | null, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}`;
  const scope = scopeName ? `-${scopeName.replace(/[^\w-]+/g, "_").replace(/^_+|_+$/g, "")}` : "";
  return `mayalink-console${scope}-${stamp}.log`;
}
