// The Mosketch link as the UI sees it: the status, hierarchy and pose streams, the skeleton
// the preview draws (Hierarchy → Maya → file → none), the picked joint, command presets,
// and the actions of the pose monitor. The newest pose is kept outside Svelte's reactivity
// (the viewport reads it directly, once per frame); the panel gets a copy ~10 times a second.
import { describeAppError, toAppError } from "../backend/app-error";
import type { Backend } from "../backend/backend";
import type { AppError } from "../bindings/AppError";
import type { CommandPreset } from "../bindings/CommandPreset";
import type { HierarchyAckSpelling } from "../bindings/HierarchyAckSpelling";
import type { JointSpace } from "../bindings/JointSpace";
import type { MosketchHierarchy } from "../bindings/MosketchHierarchy";
import type { MosketchStatus } from "../bindings/MosketchStatus";
import type { OrientMode } from "../bindings/OrientMode";
import type { PoseSnapshot } from "../bindings/PoseSnapshot";
import type { Skeleton } from "../bindings/Skeleton";
import { fillPreset, parseMosketchAddress, restPose } from "./preview-format";
import { autoQueryKey, autoQueryTarget, chooseSkeleton } from "./skeleton-source";
import { BackendSubscription } from "../workspace/backend-subscription";

/** How often the panel's copy of the pose refreshes (the 3D view gets every frame). */
export const PANEL_REFRESH_MS = 100;

export type PoseListener = (pose: PoseSnapshot | null) => void;

export class MosketchLink {
  status = $state.raw<MosketchStatus | null>(null);
  /** When the status arrived (the reconnect countdown runs from then). */
  statusAt = $state(Date.now());
  hierarchy = $state.raw<MosketchHierarchy | null>(null);
  /** A skeleton the artist got from Maya or a file. */
  loaded = $state.raw<Skeleton | null>(null);
  /** Where `loaded` came from, in words (a file path, a session's name). */
  loadedFrom = $state<string | null>(null);
  skeletonBusy = $state<"maya" | "file" | null>(null);
  skeletonError = $state<string | null>(null);
  presets = $state.raw<CommandPreset[]>([]);
  /** The action in flight (connect, disconnect, space, orient, ack, pose, command). */
  busy = $state<string | null>(null);
  actionError = $state<string | null>(null);
  /** A short confirmation ("Rest pose sent"). */
  notice = $state<string | null>(null);
  /** The pose as the panel shows it (refreshed ~10 times a second). */
  panelPose = $state.raw<PoseSnapshot | null>(null);
  /** The picked joint's name. */
  selected = $state<string | null>(null);
  /** Ticks while a countdown shows, or the last frame's age grows. */
  now = $state(Date.now());
  /** The address field of the monitor. */
  address = $state("127.0.0.1:16094");

  /** The newest pose (not reactive). */
  pose: PoseSnapshot | null = null;
  /** Poses received so far (benchmarks). */
  posesReceived = 0;

  readonly choice = $derived(chooseSkeleton(this.hierarchy, this.loaded));
  readonly skeleton = $derived(this.choice.kind === "none" ? null : this.choice.skeleton);
  readonly connection = $derived(this.status?.connection ?? null);
  readonly connected = $derived(this.status !== null && this.status.connection.kind !== "disconnected");
  /** The last frame's age now: the engine stops refreshing the status while the stream is
   * paused (it costs no CPU then), so the age grows here from the status's own. */
  readonly lastFrameAgeMs = $derived.by(() => {
    const age = this.status?.stats.lastFrameAgeMs;
    return age == null ? null : age + Math.max(0, this.now - this.statusAt);
  });

  readonly #sub = new BackendSubscription();
  #listeners = new Set<PoseListener>();
  #panelTimer: ReturnType<typeof setTimeout> | null = null;
  #panelAt = 0;
  #ticker: ReturnType<typeof setInterval> | null = null;
  #tickerMs = 0;
  #noticeTimer: ReturnType<typeof setTimeout> | null = null;
  #tried = new Set<string>();

  get backend(): Backend | null {
    return this.#sub.backend;
  }

  async attach(backend: Backend): Promise<void> {
    this.detach();
    try {
      await this.#sub.subscribe(backend, (b) =>
        b.subscribeMosketch({
          onStatus: (s) => this.#onStatus(s),
          onHierarchy: (h) => this.#onHierarchy(h),
          onPose: (p) => this.#onPose(p),
        }),
      );
    } catch (e) {
      this.actionError = describeAppError(toAppError(e));
    }
    backend.mosketchCommandPresets().then(
      (p) => (this.presets = p),
      () => {},
    );
  }

  detach(): void {
    this.#sub.end();
    if (this.#panelTimer !== null) clearTimeout(this.#panelTimer);
    this.#panelTimer = null;
    if (this.#ticker !== null) clearInterval(this.#ticker);
    this.#ticker = null;
    this.#tickerMs = 0;
  }

  /** Called with every new pose (and null when the character goes away). */
  onPose(listener: PoseListener): () => void {
    this.#listeners.add(listener);
    listener(this.pose);
    return () => this.#listeners.delete(listener);
  }

  #onStatus(s: MosketchStatus | null) {
    this.statusAt = Date.now();
    this.now = this.statusAt;
    if (s && this.status === null) this.address = s.address;
    this.status = s;
    // A countdown to the next attempt, or the age of the last frame while streaming.
    const period =
      s?.connection.kind === "reconnecting" ? 100 : s?.connection.kind === "streaming" && s.stats.lastFrameAgeMs !== null ? 250 : 0;
    if (period === this.#tickerMs) return;
    if (this.#ticker !== null) clearInterval(this.#ticker);
    this.#ticker = period ? setInterval(() => (this.now = Date.now()), period) : null;
    this.#tickerMs = period;
  }

  #onHierarchy(h: MosketchHierarchy | null) {
    this.hierarchy = h;
    if (!h) {
      this.pose = null;
      this.panelPose = null;
      for (const l of this.#listeners) l(null);
    } else if (this.selected !== null && !h.joints.includes(this.selected) && !this.skeleton?.joints.some((j) => j.name === this.selected)) {
      this.selected = null;
    }
  }

  #onPose(p: PoseSnapshot) {
    // A pose of an older character (the hierarchy changed meanwhile) is dropped.
    if (this.hierarchy && p.hierarchyId !== this.hierarchy.id) return;
    this.pose = p;
    this.posesReceived++;
    for (const l of this.#listeners) l(p);
    const now = performance.now();
    if (now - this.#panelAt >= PANEL_REFRESH_MS) {
      this.#panelAt = now;
      this.panelPose = p;
    } else if (this.#panelTimer === null) {
      this.#panelTimer = setTimeout(() => {
        this.#panelTimer = null;
        this.#panelAt = performance.now();
        this.panelPose = this.pose;
      }, PANEL_REFRESH_MS - (now - this.#panelAt));
    }
  }

  #flash(text: string) {
    this.notice = text;
    if (this.#noticeTimer !== null) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.notice = null), 2500);
  }

  async #act(name: string, run: (b: Backend) => Promise<void>, done?: string): Promise<boolean> {
    const b = this.#sub.backend;
    if (!b) return false;
    this.busy = name;
    this.actionError = null;
    try {
      await run(b);
      if (done) this.#flash(done);
      return true;
    } catch (e) {
      this.actionError = describeAppError(toAppError(e));
      return false;
    } finally {
      if (this.busy === name) this.busy = null;
    }
  }

  connect(address = this.address): Promise<boolean> {
    const parsed = parseMosketchAddress(address);
    if (!parsed) {
      this.actionError = `"${address}" is not an address: use host:port (e.g. 127.0.0.1:16094) or a port.`;
      return Promise.resolve(false);
    }
    this.address = `${parsed.host}:${parsed.port}`;
    const s = this.status;
    // Settings carry over to the new connection.
    const config = {
      ...parsed,
      ...(s ? { jointSpace: s.jointSpace, orientMode: s.orientMode, ackSpelling: s.ackSpelling } : {}),
    };
    return this.#act("connect", (b) => b.mosketchConnect(config));
  }

  disconnect(): Promise<boolean> {
    return this.#act("disconnect", (b) => b.mosketchDisconnect());
  }

  setJointSpace(space: JointSpace) {
    return this.#act("space", (b) => b.mosketchSetJointSpace(space), `Joint space: ${space}`);
  }

  setOrientMode(mode: OrientMode) {
    return this.#act("orient", (b) => b.mosketchSetOrientMode(mode), `Joint orient: ${mode}`);
  }

  setAckSpelling(spelling: HierarchyAckSpelling) {
    return this.#act("ack", (b) => b.mosketchSetAckSpelling(spelling), `Hierarchy ack: ${spelling}`);
  }

  /** Sends the rest pose: every joint's rest orient, the roots' rest offsets. */
  resetPose() {
    const names = this.hierarchy?.joints ?? this.pose?.joints.map((j) => j.name) ?? [];
    return this.#act("pose", (b) => b.mosketchSendPose(restPose(names, this.skeleton)), "Rest pose sent to Mosketch");
  }

  selectedUuid(): string | null {
    const name = this.selected;
    if (!name) return null;
    return this.panelPose?.joints.find((j) => j.name === name)?.uuid ?? this.pose?.joints.find((j) => j.name === name)?.uuid ?? null;
  }

  sendPreset(preset: CommandPreset) {
    const command = fillPreset(preset, this.selectedUuid());
    if (!command) {
      this.actionError = "Pick a joint first: this command needs its uuid.";
      return Promise.resolve(false);
    }
    return this.#act("command", (b) => b.mosketchSendCommand(command), `Sent ${command.command}`);
  }

  // ---- Skeleton sources ---------------------------------------------------------------

  async queryMaya(session: string, label = session): Promise<boolean> {
    const b = this.#sub.backend;
    const names = this.hierarchy?.joints ?? [];
    if (!b || names.length === 0) return false;
    if (this.hierarchy) this.#tried.add(autoQueryKey(this.hierarchy.id, session));
    this.skeletonBusy = "maya";
    this.skeletonError = null;
    try {
      const sk = await b.skeletonFromMaya(session, [...names]);
      this.loaded = sk;
      this.loadedFrom = label;
      return true;
    } catch (e) {
      this.skeletonError = `Maya (${label}): ${describeAppError(toAppError(e))}`;
      return false;
    } finally {
      this.skeletonBusy = null;
    }
  }

  /** Asks the active Maya on its own when the Hierarchy brought no skeleton (once per pair). */
  maybeAutoQuery(session: string | null, label?: string) {
    const target = autoQueryTarget({
      hierarchy: this.hierarchy,
      loaded: this.loaded,
      mayaSession: session,
      tried: this.#tried,
      busy: this.skeletonBusy !== null,
    });
    if (target) void this.queryMaya(target, label);
  }

  async loadFile(path?: string): Promise<boolean> {
    const b = this.#sub.backend;
    if (!b) return false;
    this.skeletonError = null;
    this.skeletonBusy = "file";
    try {
      const picked = path ?? (await b.pickSkeletonFile());
      if (!picked) return false;
      const sk = await b.skeletonLoadFile(picked);
      this.loaded = sk;
      this.loadedFrom = picked.split(/[\\/]/).pop() ?? picked;
      return true;
    } catch (e) {
      this.skeletonError = describeAppError(toAppError(e) as AppError);
      return false;
    } finally {
      this.skeletonBusy = null;
    }
  }

  clearLoaded() {
    this.loaded = null;
    this.loadedFrom = null;
  }
}
