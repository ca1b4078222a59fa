// What the console shows of the line store: the lines of one session (plus the app's own
// notices) or of all sessions, of the kinds switched on, after that view's last "Clear";
// and a text search over them with a match count and a current match. Views and matches
// hold absolute line numbers, are updated incrementally as lines arrive, and the search
// scans in time slices so a million lines never freeze a frame.
import type { LineKind } from "../bindings/LineKind";
import { IndexList } from "./index-list";
import { LINE_KINDS } from "./line-kind-style";
import { kindCode, type LineStore } from "./line-store";

/** The session whose lines every view shows (app-wide notices). */
export const APP_SESSION = "app";

export interface ViewFilter {
  /** A session id, or null for every session. */
  scope: string | null;
  /** Kinds shown. */
  kinds: ReadonlySet<LineKind>;
}

export const ALL_KINDS: ReadonlySet<LineKind> = new Set(LINE_KINDS);

/** Escapes a plain text for a RegExp. */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Case-insensitive matcher of a plain text (null for an empty query). */
export function searchPattern(query: string, flags = "i"): RegExp | null {
  return query === "" ? null : new RegExp(escapeRegExp(query), flags);
}

const now = () => (typeof performance !== "undefined" ? performance.now() : Date.now());

export class ConsoleView {
  readonly store: LineStore;
  #filter: ViewFilter = { scope: null, kinds: ALL_KINDS };
  /** Per scope key ("*" = all): lines before this number are hidden (that view was cleared). */
  #clearMarks = new Map<string, number>();
  /** null: the view is every line from `#identityFrom` on (no index needed). */
  #index: IndexList | null = null;
  #identityFrom = 0;
  /** Store lines up to here were considered for the index. */
  #indexed = 0;

  // Search state.
  #query = "";
  #pattern: RegExp | null = null;
  #matches = new IndexList();
  /** Absolute line number the search has scanned up to (exclusive). */
  #scanned = 0;
  #current: number | null = null;

  constructor(store: LineStore) {
    this.store = store;
    this.#rebuild();
  }

  get filter(): ViewFilter {
    return this.#filter;
  }

  setFilter(filter: ViewFilter): void {
    this.#filter = { scope: filter.scope, kinds: new Set(filter.kinds) };
    this.#rebuild();
    this.#restartSearch();
  }

  #scopeKey(): string {
    return this.#filter.scope ?? "*";
  }

  /** Hides every line now in this view (the store keeps them for other views). */
  clearView(): void {
    if (this.#filter.scope === null) {
      this.store.clear();
      this.#clearMarks.clear();
    } else {
      this.#clearMarks.set(this.#scopeKey(), this.store.end);
    }
    this.#rebuild();
    this.#restartSearch();
  }

  #rebuild(): void {
    const mark = Math.max(this.#clearMarks.get(this.#scopeKey()) ?? 0, this.store.first);
    const allKinds = LINE_KINDS.every((k) => this.#filter.kinds.has(k));
    if (this.#filter.scope === null && allKinds) {
      this.#index = null;
      this.#identityFrom = mark;
      this.#indexed = this.store.end;
      return;
    }
    this.#index = new IndexList(4096);
    this.#indexed = mark;
    this.#indexNew();
  }

  /** Adds the store's new lines to the index. */
  #indexNew(): void {
    const index = this.#index;
    if (!index) return;
    const store = this.store;
    const end = store.end;
    let i = Math.max(this.#indexed, store.first);
    if (i >= end) {
      this.#indexed = end;
      return;
    }
    const kindMask = new Uint8Array(32);
    for (const k of this.#filter.kinds) kindMask[kindCode(k)] = 1;
    const scope = this.#filter.scope;
    const scopeCode = scope === null ? -1 : (store.knownSessionCode(scope) ?? -2);
    const appCode = store.knownSessionCode(APP_SESSION) ?? -3;
    while (i < end) {
      const cols = store.columnsAt(i);
      const stop = Math.min(end, cols.base + cols.length);
      for (; i < stop; i++) {
        const off = i - cols.base;
        if (kindMask[cols.kinds[off] as number] !== 1) continue;
        if (scopeCode !== -1) {
          const s = cols.sessions[off] as number;
          if (s !== scopeCode && s !== appCode) continue;
        }
        index.push(i);
      }
    }
    this.#indexed = end;
  }

  /**
   * Brings the view up to date with the store after appends/evictions. Returns how many
   * rows left the top of the view (evicted), so a scrolled-up reader can stay in place.
   */
  sync(): { removedFromTop: number } {
    let removed = 0;
    if (this.#index) {
      removed = this.#index.dropBelow(this.store.first);
      this.#indexNew();
    } else {
      const from = Math.max(this.#identityFrom, this.store.first);
      removed = from - this.#identityFrom;
      this.#identityFrom = from;
      this.#indexed = this.store.end;
    }
    const droppedMatches = this.#matches.dropBelow(this.store.first);
    if (droppedMatches > 0 && this.#current !== null && this.#current < this.store.first) this.#current = null;
    if (this.#scanned < this.store.first) this.#scanned = this.store.first;
    return { removedFromTop: removed };
  }

  /** Rows in the view. */
  get length(): number {
    return this.#index ? this.#index.length : Math.max(0, this.store.end - this.#identityFrom);
  }

  /** Absolute line number of row `pos`. */
  lineAt(pos: number): number {
    return this.#index ? this.#index.at(pos) : this.#identityFrom + pos;
  }

  /** Row of the first line ≥ `line` (length when none). */
  positionOf(line: number): number {
    if (this.#index) return this.#index.lowerBound(line);
    return Math.min(this.length, Math.max(0, line - this.#identityFrom));
  }

  /** Whether a line is in the view. */
  contains(line: number): boolean {
    if (this.#index) return this.#index.indexOf(line) >= 0;
    return line >= this.#identityFrom && line < this.store.end;
  }

  // ---- search -------------------------------------------------------------------------

  get query(): string {
    return this.#query;
  }
  get pattern(): RegExp | null {
    return this.#pattern;
  }

  setQuery(query: string): void {
    if (query === this.#query) return;
    this.#query = query;
    this.#pattern = searchPattern(query);
    this.#restartSearch();
  }

  #restartSearch(): void {
    this.#matches = new IndexList();
    this.#current = null;
    this.#scanned = this.length > 0 ? this.lineAt(0) : this.store.end;
  }

  /** True while lines remain to be searched. */
  get searching(): boolean {
    return this.#pattern !== null && this.#scanned < this.store.end && this.positionOf(this.#scanned) < this.length;
  }

  /**
   * Searches the lines not yet searched for up to `budgetMs`; returns true when done.
   * Call once per frame while `searching`.
   */
  pumpSearch(budgetMs = 6): boolean {
    const pattern = this.#pattern;
    if (!pattern) return true;
    const deadline = now() + budgetMs;
    const length = this.length;
    let pos = this.positionOf(this.#scanned);
    const store = this.store;
    while (pos < length) {
      const stop = Math.min(length, pos + 2048);
      for (; pos < stop; pos++) {
        const line = this.lineAt(pos);
        if (pattern.test(store.textAt(line))) this.#matches.push(line);
      }
      this.#scanned = pos < length ? this.lineAt(pos) : store.end;
      if (now() > deadline) break;
    }
    if (pos >= length) this.#scanned = store.end;
    return pos >= length;
  }

  get matchCount(): number {
    return this.#matches.length;
  }

  /** Absolute line numbers of the matches (ascending). */
  matchAt(i: number): number {
    return this.#matches.at(i);
  }

  isMatch(line: number): boolean {
    return this.#matches.indexOf(line) >= 0;
  }

  /** The current match's line, or null. */
  get currentMatch(): number | null {
    return this.#current;
  }

  /** 1-based number of the current match (0 when none). */
  get currentMatchNumber(): number {
    if (this.#current === null) return 0;
    const i = this.#matches.indexOf(this.#current);
    return i < 0 ? 0 : i + 1;
  }

  /** Makes the first match at or after `line` current (else the last); returns it. */
  selectMatchFrom(line: number): number | null {
    const n = this.#matches.length;
    if (n === 0) return (this.#current = null);
    const i = this.#matches.lowerBound(line);
    this.#current = this.#matches.at(i < n ? i : n - 1);
    return this.#current;
  }

  /** Moves to the next (+1) or previous (-1) match, wrapping around. */
  step(direction: 1 | -1): number | null {
    const n = this.#matches.length;
    if (n === 0) return (this.#current = null);
    if (this.#current === null) {
      this.#current = this.#matches.at(direction === 1 ? 0 : n - 1);
      return this.#current;
    }
    const i = this.#matches.lowerBound(this.#current);
    const here = i < n && this.#matches.at(i) === this.#current;
    let next: number;
    if (direction === 1) next = here ? i + 1 : i;
    else next = i - 1;
    if (next >= n) next = 0;
    if (next < 0) next = n - 1;
    this.#current = this.#matches.at(next);
    return this.#current;
  }

  /** Text of the view's lines (for copy all / save), optionally with times and session tags. */
  text(format: (line: number) => string, from = 0, to = this.length): string {
    const parts: string[] = [];
    for (let pos = from; pos < to; pos++) parts.push(format(this.lineAt(pos)));
    return parts.join("\n");
  }
}
