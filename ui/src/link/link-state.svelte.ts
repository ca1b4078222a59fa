// The live link as the UI sees it: the engine's `link` stream (running, and per Maya its
// mapping, figures, warnings, follow state), the Mayas the artist ticked as targets, and
// the panel's actions — start / stop, follow Maya, send Maya's pose, the mapping choices
// and their export / import. Errors are AppErrors, shown with `describeAppError`.
import { describeAppError, toAppError } from "../backend/app-error";
import type { Backend, FileFilter, LinkOverride, Unsubscribe } from "../backend/backend";
import type { AppError } from "../bindings/AppError";
import type { LinkView } from "../bindings/LinkView";

/** What the link does while nothing runs. */
export const IDLE_LINK: LinkView = { running: false, sessions: [], mayas: [] };

export const MAPPING_FILTERS: FileFilter[] = [
  { name: "Mapping (JSON)", extensions: ["json"] },
  { name: "All files", extensions: ["*"] },
];

/** An action in flight: which, and for which Maya of the link (and joint). */
export interface LinkBusy {
  action: "start" | "stop" | "follow" | "send" | "override" | "export" | "import";
  maya?: number;
  joint?: string;
}

export class LinkState {
  view = $state.raw<LinkView>(IDLE_LINK);
  /** False until the stream's first message. */
  loaded = $state(false);
  /** The last action's failure (or the stream's). */
  error = $state<AppError | null>(null);
  busy = $state.raw<LinkBusy | null>(null);
  /** A short confirmation ("Sent 65 joints to Mosketch"). */
  notice = $state<string | null>(null);
  /** The Maya sessions the artist ticked as targets; null until they tick one. */
  chosen = $state.raw<string[] | null>(null);
  /** Which Maya of the running link the panel shows (its index). */
  shown = $state(0);

  readonly running = $derived(this.view.running);
  /** The shown Maya's status, if the link runs. */
  readonly target = $derived(this.view.mayas[Math.min(this.shown, this.view.mayas.length - 1)] ?? null);

  #backend: Backend | null = null;
  #unsubscribe: Unsubscribe | null = null;
  /**
   * While a mapping change restarts the link (the engine stops and starts it again), the
   * stream's idle views in between are held back, so the panel neither flickers nor loses
   * the Maya it shows. Held until a running view arrives after the change, or shown if the
   * change failed (or nothing runs a moment later).
   */
  #holding = false;
  #held: LinkView | null = null;
  #holdTimer: ReturnType<typeof setTimeout> | null = null;
  #noticeTimer: ReturnType<typeof setTimeout> | null = null;

  get backend(): Backend | null {
    return this.#backend;
  }

  get describedError(): string | null {
    return this.error ? describeAppError(this.error) : null;
  }

  async attach(backend: Backend): Promise<void> {
    this.detach();
    this.#backend = backend;
    try {
      this.#unsubscribe = await backend.subscribeLink((v) => this.#receive(v));
    } catch (e) {
      this.error = toAppError(e);
      this.loaded = true;
    }
  }

  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#stopHolding();
    if (this.#noticeTimer !== null) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = null;
  }

  #receive(view: LinkView) {
    if (this.#holding) {
      if (!view.running) {
        this.#held = view;
        return;
      }
      if (this.busy === null) this.#stopHolding();
    }
    this.view = view;
    this.loaded = true;
    if (view.mayas.length > 0 && this.shown >= view.mayas.length) this.shown = 0;
  }

  #stopHolding() {
    this.#holding = false;
    this.#held = null;
    if (this.#holdTimer !== null) clearTimeout(this.#holdTimer);
    this.#holdTimer = null;
  }

  /** Runs a mapping change that restarts the link (see `#holding`). */
  async #restart(busy: LinkBusy, run: (b: Backend) => Promise<LinkView | null>): Promise<LinkView | null> {
    this.#stopHolding();
    this.#holding = true;
    const view = await this.#act(busy, run);
    // Failed: the engine's idle view (if it came) is the truth now. Done: wait a moment for the running one.
    this.#holdTimer = setTimeout(
      () => {
        const held = this.#held;
        this.#stopHolding();
        if (held) this.#receive(held);
      },
      view ? 1500 : 0,
    );
    return view;
  }

  /** Takes a view a command returned. A running link's view only: the stream says when it stopped. */
  #take(view: LinkView) {
    if (view.running) this.#receive(view);
  }

  #flash(text: string) {
    this.notice = text;
    if (this.#noticeTimer !== null) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.notice = null), 3000);
  }

  async #act<T>(busy: LinkBusy, run: (b: Backend) => Promise<T>): Promise<T | null> {
    const b = this.#backend;
    if (!b || this.busy) return null;
    this.busy = busy;
    this.error = null;
    try {
      return await run(b);
    } catch (e) {
      this.error = toAppError(e);
      return null;
    } finally {
      this.busy = null;
    }
  }

  /** Ticks or unticks a Maya as a target; `current` is what the panel shows ticked now. */
  toggleTarget(id: string, current: readonly string[]) {
    this.chosen = current.includes(id) ? current.filter((x) => x !== id) : [...current, id];
  }

  dismissError() {
    this.error = null;
  }

  /** Mosketch drives these Mayas. False (and `error` set) when the engine refused. */
  async start(sessions: string[]): Promise<boolean> {
    if (sessions.length === 0) {
      this.error = { code: "invalid_input", message: "Tick at least one connected Maya for the live link." };
      return false;
    }
    this.#stopHolding();
    const view = await this.#act({ action: "start" }, (b) => b.linkStart(sessions));
    if (!view) return false;
    this.shown = 0;
    this.#take(view);
    return true;
  }

  async stop(): Promise<boolean> {
    this.#stopHolding();
    const done = await this.#act({ action: "stop" }, async (b) => {
      await b.linkStop();
      return true;
    });
    if (done) this.#receive(IDLE_LINK);
    return done === true;
  }

  async follow(maya: number, on: boolean): Promise<boolean> {
    const done = await this.#act({ action: "follow", maya }, async (b) => {
      await b.linkFollow(maya, on);
      return true;
    });
    if (done) this.#flash(on ? "Following Maya: its pose goes to Mosketch" : "Mosketch drives Maya again");
    return done === true;
  }

  async sendMayaPose(maya: number): Promise<number | null> {
    const sent = await this.#act({ action: "send", maya }, (b) => b.linkSendMayaPose(maya));
    if (sent !== null) this.#flash(`Sent ${sent} joint${sent === 1 ? "" : "s"} of Maya's pose to Mosketch`);
    return sent;
  }

  /** Sets one joint's choice: a node, drive nothing, or back to name matching. */
  async setOverride(maya: number, mosketch: string, choice: LinkOverride): Promise<boolean> {
    const view = await this.#restart({ action: "override", maya, joint: mosketch }, (b) => b.linkSetOverride(maya, mosketch, choice));
    if (!view) return false;
    this.#take(view);
    return true;
  }

  /** Saves this Maya's choices to a file the artist picks. False when cancelled or failed. */
  async exportOverrides(maya: number, defaultName = "mapping.json"): Promise<boolean> {
    const path = await this.#act({ action: "export", maya }, async (b) => {
      const path = await b.pickSaveFile(defaultName, MAPPING_FILTERS);
      if (path) await b.linkExportOverrides(maya, path);
      return path;
    });
    if (path) this.#flash(`Mapping saved to ${baseName(path)}`);
    return path !== null;
  }

  /** Reads choices for this Maya from a file the artist picks. False when cancelled or failed. */
  async importOverrides(maya: number): Promise<boolean> {
    let path: string | null = null;
    const view = await this.#restart({ action: "import", maya }, async (b) => {
      path = await b.pickOpenFile(MAPPING_FILTERS);
      return path ? b.linkImportOverrides(maya, path) : null;
    });
    if (!view || !path) return false;
    this.#take(view);
    this.#flash(`Mapping loaded from ${baseName(path)}`);
    return true;
  }
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}
