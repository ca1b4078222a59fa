// The live console state the UI renders: subscribes to the backend's console batches,
// coalesces them to one update per frame into the LineStore, and keeps the ConsoleView
// (scope, kinds, search) in step. Components re-render from `version`, which changes at
// most once per frame however fast lines arrive.
import type { AppError } from "../bindings/AppError";
import type { Backend, Unsubscribe } from "../backend/backend";
import type { ConsoleLine } from "../bindings/ConsoleLine";
import type { LineKind } from "../bindings/LineKind";
import { toAppError } from "../backend/app-error";
import { ALL_KINDS, ConsoleView } from "./console-view";
import { FrameBatcher, animationFrameScheduler, type FrameScheduler } from "./frame-batcher";
import { DEFAULT_STORE_CAP, LineStore } from "./line-store";

/** How many history lines to fetch when switching to a session the console has no lines of. */
export const HISTORY_FETCH_MAX = 100_000;

export class ConsoleFeed {
  readonly store: LineStore;
  readonly view: ConsoleView;
  /** Changes whenever what the console shows may have changed. */
  version = $state(0);
  /** Lines held (all sessions). */
  size = $state(0);
  /** Lines evicted by the cap. */
  dropped = $state(0);
  error = $state<AppError | null>(null);
  /** Rows that left the top of the view in the last update (eviction): scrolled-up readers stay put. */
  lastRemovedFromTop = 0;

  scope = $state<string | null>(null);
  kinds = $state.raw<ReadonlySet<LineKind>>(ALL_KINDS);
  query = $state("");
  /** The current search match's line, or null. */
  currentMatch = $state<number | null>(null);

  #batcher: FrameBatcher<ConsoleLine>;
  #schedule: FrameScheduler;
  #unsubscribe: Unsubscribe | null = null;
  #generation = 0;
  #pumping = false;
  #historyFetched = new Set<string>();
  /** Per session: the number of the first live line received (see `ConsoleLine.line`). */
  #firstLive = new Map<string, number>();
  /** Per session: one past the last history line taken in; live lines below it are repeats. */
  #historyEnd = new Map<string, number>();
  /** Called after each update with the rows that left the top of the view. */
  onUpdate: ((removedFromTop: number) => void) | null = null;

  constructor(cap: number = DEFAULT_STORE_CAP, schedule: FrameScheduler = animationFrameScheduler) {
    this.store = new LineStore(cap);
    this.view = new ConsoleView(this.store);
    this.#schedule = schedule;
    this.#batcher = new FrameBatcher<ConsoleLine>((lines) => this.#ingest(lines), schedule);
  }

  #ingest(lines: readonly ConsoleLine[]): void {
    this.store.append(lines);
    const { removedFromTop } = this.view.sync();
    this.lastRemovedFromTop = removedFromTop;
    this.#publish();
    this.onUpdate?.(removedFromTop);
    this.#pumpSearch();
  }

  /**
   * Live lines minus those a history fetch already brought in: a line is kept in the
   * engine's history before it is sent live, so a fetch can return it and the live
   * stream deliver it again moments later. Numbered lines tell the two apart exactly.
   */
  #newLive(lines: readonly ConsoleLine[]): readonly ConsoleLine[] {
    for (const l of lines) {
      if (l.line !== undefined && !this.#firstLive.has(l.session)) this.#firstLive.set(l.session, l.line);
    }
    if (this.#historyEnd.size === 0) return lines;
    return lines.filter((l) => l.line === undefined || l.line >= (this.#historyEnd.get(l.session) ?? 0));
  }

  /** Lines to show now (they go through the same once-per-frame path as the engine's). */
  push(lines: readonly ConsoleLine[]): void {
    this.#batcher.push(lines);
  }

  /** Starts receiving lines from `backend` (replacing any earlier subscription). */
  async attach(backend: Backend): Promise<void> {
    this.detach();
    const generation = ++this.#generation;
    try {
      const unsubscribe = await backend.subscribeConsole((batch) => {
        if (generation === this.#generation) this.#batcher.push(this.#newLive(batch.lines));
      });
      if (generation !== this.#generation) unsubscribe();
      else this.#unsubscribe = unsubscribe;
      this.error = null;
    } catch (error) {
      if (generation === this.#generation) this.error = toAppError(error);
    }
  }

  detach(): void {
    this.#generation++;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /** Clears what the current view shows ("All sessions": everything). */
  clear(): void {
    this.view.clearView();
    this.currentMatch = null;
    this.#publish();
    this.#pumpSearch();
  }

  setScope(scope: string | null): void {
    if (scope === this.scope) return;
    this.scope = scope;
    this.#refilter();
  }

  /** How many kinds of lines the filter hides. */
  get hiddenKinds(): number {
    let n = 0;
    for (const k of ALL_KINDS) if (!this.kinds.has(k)) n++;
    return n;
  }

  setKinds(kinds: ReadonlySet<LineKind>): void {
    this.kinds = new Set(kinds);
    this.#refilter();
  }

  toggleKind(kind: LineKind): void {
    const next = new Set(this.kinds);
    if (next.has(kind)) next.delete(kind);
    else next.add(kind);
    this.setKinds(next);
  }

  #refilter(): void {
    this.view.setFilter({ scope: this.scope, kinds: this.kinds });
    this.currentMatch = null;
    this.#publish();
    this.#pumpSearch();
  }

  setQuery(query: string): void {
    this.query = query;
    this.view.setQuery(query);
    this.currentMatch = null;
    this.#publish();
    this.#pumpSearch();
  }

  /** Selects the match nearest `fromLine` (the top of what is visible). */
  selectMatchFrom(fromLine: number): number | null {
    this.currentMatch = this.view.selectMatchFrom(fromLine);
    this.version++;
    return this.currentMatch;
  }

  step(direction: 1 | -1): number | null {
    this.currentMatch = this.view.step(direction);
    this.version++;
    return this.currentMatch;
  }

  #publish(): void {
    this.size = this.store.size;
    this.dropped = this.store.evicted;
    this.version++;
  }

  /** Searches in time slices, one per frame, until every line was searched. */
  #pumpSearch(): void {
    if (this.#pumping || !this.view.searching) return;
    this.#pumping = true;
    const tick = () => {
      const done = this.view.pumpSearch(6);
      this.version++;
      if (done || !this.view.searching) {
        this.#pumping = false;
        return;
      }
      this.#schedule(tick);
    };
    this.#schedule(tick);
  }

  /**
   * Fetches a session's output history from the engine when the console holds none of
   * its lines (e.g. they predate this window, or were evicted). Lines already here win.
   */
  async fetchHistory(backend: Backend, session: string): Promise<void> {
    if (this.#historyFetched.has(session)) return;
    this.#historyFetched.add(session);
    if (this.#hasLinesOf(session)) return;
    try {
      const history = await backend.consoleHistory(session, 0, HISTORY_FETCH_MAX);
      if (history.lines.length === 0) return;
      // Only what came before the first live line (history lines are numbered by place).
      const firstLive = this.#firstLive.get(session) ?? Infinity;
      const older = history.lines.filter((l, i) => (l.line ?? history.first + i) < firstLive);
      const end = history.first + older.length;
      this.#historyEnd.set(session, Math.max(end, this.#historyEnd.get(session) ?? 0));
      if (older.length > 0) this.#ingest(older);
    } catch {
      this.#historyFetched.delete(session);
    }
  }

  #hasLinesOf(session: string): boolean {
    return this.#firstTimeOf(session) !== null;
  }

  #firstTimeOf(session: string): number | null {
    const code = this.store.knownSessionCode(session);
    if (code === undefined) return null;
    for (let i = this.store.first; i < this.store.end; i++) {
      if (this.store.sessionCodeAt(i) === code) return this.store.timeAt(i);
    }
    return null;
  }
}
