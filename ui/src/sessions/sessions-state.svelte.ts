// The Maya sessions as the UI sees them: the engine's list (pushed on every change), the
// operations in flight per session (connect, clean up, …) and their errors, a clock for
// elapsed times and countdowns, and the actions the sidebar offers.
import { describeAppError, toAppError } from "../backend/app-error";
import type { Backend } from "../backend/backend";
import type { AppError } from "../bindings/AppError";
import type { DiscoveredMaya } from "../bindings/DiscoveredMaya";
import type { SessionSpec } from "../bindings/SessionSpec";
import type { SessionView } from "../bindings/SessionView";
import { BackendSubscription } from "../workspace/backend-subscription";
import { isConnected } from "./session-format";

export type SessionOp = "connect" | "cleanup" | "remove" | "update" | "cancel";

export class SessionsState {
  list = $state.raw<SessionView[]>([]);
  /** False until the first list arrived. */
  loaded = $state(false);
  error = $state<AppError | null>(null);
  /** When the current list arrived (reconnect countdowns run from then). */
  receivedAt = $state(Date.now());
  /** A clock ticking while something shows elapsed time or a countdown. */
  now = $state(Date.now());
  ops = $state<Record<string, SessionOp | undefined>>({});
  /** The last failed action per session (connect failures, …), shown on its card. */
  failures = $state<Record<string, AppError | undefined>>({});
  /** Sessions whose run the artist stopped waiting for (cleared when no longer busy). */
  cancelled = $state<Record<string, boolean | undefined>>({});
  discovered = $state.raw<DiscoveredMaya[] | null>(null);
  discovering = $state(false);
  discoverError = $state<AppError | null>(null);
  /** The "Add Maya" form is open (the welcome's button opens it too). */
  formOpen = $state(false);
  /** The discovery list is shown. */
  discoveryOpen = $state(false);
  /** What went wrong restoring the saved sessions at start, until the artist dismisses it. */
  startupWarnings = $state.raw<string[]>([]);
  /** Names of every session seen in this run (console lines of removed sessions keep theirs). */
  names = new Map<string, { name: string; color: string | null; demo: boolean }>();

  readonly #sub = new BackendSubscription();
  #ticker: ReturnType<typeof setInterval> | null = null;
  /** The session the artist just made active, until the engine's list agrees. */
  #wantActive: string | null = null;

  readonly active = $derived(this.list.find((s) => s.active) ?? null);
  readonly connected = $derived(this.list.filter(isConnected));

  get backend(): Backend | null {
    return this.#sub.backend;
  }

  async attach(backend: Backend): Promise<void> {
    this.detach();
    try {
      await this.#sub.subscribe(backend, (b) => b.subscribeSessions((list) => this.#receive(list)));
      this.error = null;
      // An engine without this command (older host) has nothing to say: not an error.
      backend.startupWarnings().then(
        (w) => (this.startupWarnings = w),
        () => {},
      );
    } catch (e) {
      this.error = toAppError(e);
      this.loaded = true;
    }
  }

  detach(): void {
    this.#sub.end();
    if (this.#ticker !== null) clearInterval(this.#ticker);
    this.#ticker = null;
  }

  #receive(list: SessionView[]): void {
    // A list sent before our switch reached the engine must not switch back (no flicker).
    const want = this.#wantActive;
    if (want !== null) {
      if (!list.some((s) => s.id === want) || list.some((s) => s.id === want && s.active)) this.#wantActive = null;
      else list = list.map((s) => ({ ...s, active: s.id === want }));
    }
    this.receivedAt = Date.now();
    this.now = this.receivedAt;
    for (const s of list) this.names.set(s.id, { name: s.spec.name, color: s.spec.color, demo: s.demo });
    const cancelled = { ...this.cancelled };
    for (const id of Object.keys(cancelled)) {
      if (!list.some((s) => s.id === id && s.status.state.state === "busy")) delete cancelled[id];
    }
    this.cancelled = cancelled;
    this.list = list;
    this.loaded = true;
    this.#updateTicker();
  }

  /** Tick 10×/s while a session is busy, connecting or counting down. */
  #updateTicker(): void {
    const needed = this.list.some((s) => ["busy", "reconnecting", "connecting"].includes(s.status.state.state));
    if (needed && this.#ticker === null) {
      this.#ticker = setInterval(() => (this.now = Date.now()), 100);
    } else if (!needed && this.#ticker !== null) {
      clearInterval(this.#ticker);
      this.#ticker = null;
    }
  }

  byId(id: string): SessionView | undefined {
    return this.list.find((s) => s.id === id);
  }

  nameOf(id: string): string {
    return this.names.get(id)?.name ?? id;
  }

  async #op<T>(id: string, op: SessionOp, action: (b: Backend) => Promise<T>): Promise<T | null> {
    const backend = this.#sub.backend;
    if (!backend) return null;
    this.ops = { ...this.ops, [id]: op };
    const failures = { ...this.failures };
    delete failures[id];
    this.failures = failures;
    try {
      return await action(backend);
    } catch (e) {
      this.failures = { ...this.failures, [id]: toAppError(e) };
      return null;
    } finally {
      const ops = { ...this.ops };
      delete ops[id];
      this.ops = ops;
    }
  }

  /** Adds a session; rejects with the AppError (the form shows it). */
  async add(spec: SessionSpec, connect = true): Promise<SessionView> {
    const backend = this.#sub.backend;
    if (!backend) throw { code: "internal", message: "The engine is not ready yet" } satisfies AppError;
    const view = await backend.addSession(spec).catch((e: unknown) => {
      throw toAppError(e);
    });
    this.names.set(view.id, { name: view.spec.name, color: view.spec.color, demo: view.demo });
    // The list update usually arrives first; make sure the new session shows at once.
    if (!this.list.some((s) => s.id === view.id)) this.list = [...this.list, view];
    if (connect) void this.connect(view.id);
    return view;
  }

  async update(id: string, spec: SessionSpec): Promise<SessionView> {
    const backend = this.#sub.backend;
    if (!backend) throw { code: "internal", message: "The engine is not ready yet" } satisfies AppError;
    return backend.updateSession(id, spec).catch((e: unknown) => {
      throw toAppError(e);
    });
  }

  connect(id: string) {
    return this.#op(id, "connect", (b) => b.connectSession(id));
  }
  cleanup(id: string) {
    return this.#op(id, "cleanup", (b) => b.cleanupSession(id));
  }
  remove(id: string) {
    return this.#op(id, "remove", (b) => b.removeSession(id));
  }
  async cancel(id: string) {
    this.cancelled = { ...this.cancelled, [id]: true };
    return this.#op(id, "cancel", (b) => b.cancelRun(id));
  }

  async setActive(id: string): Promise<void> {
    const backend = this.#sub.backend;
    if (!backend || this.active?.id === id) return;
    // Show the switch at once; the engine's list confirms it.
    this.#wantActive = id;
    this.list = this.list.map((s) => ({ ...s, active: s.id === id }));
    try {
      await backend.setActiveSession(id);
    } catch (e) {
      if (this.#wantActive === id) this.#wantActive = null;
      this.failures = { ...this.failures, [id]: toAppError(e) };
    }
  }

  /** Ctrl+1…9: the n-th session (1-based). */
  activateNth(n: number): boolean {
    const s = this.list[n - 1];
    if (!s) return false;
    void this.setActive(s.id);
    return true;
  }

  async discover(): Promise<void> {
    const backend = this.#sub.backend;
    if (!backend) return;
    this.discoveryOpen = true;
    this.discovering = true;
    this.discoverError = null;
    try {
      this.discovered = await backend.discover();
    } catch (e) {
      this.discoverError = toAppError(e);
      this.discovered = [];
    } finally {
      this.discovering = false;
    }
  }

  /** A discovered Maya is already a session (same address, ignoring localhost spellings). */
  isAdded(found: DiscoveredMaya): boolean {
    const norm = (a: string) => a.replace(/^(localhost|127\.0\.0\.1)?:/, "127.0.0.1:");
    return this.list.some((s) => norm(s.status.address) === norm(found.address) || norm(s.spec.address) === norm(found.address));
  }

  describeFailure(id: string): string | null {
    const f = this.failures[id];
    return f ? describeAppError(f) : null;
  }
}
