// The typed boundary between the UI and the engine. Every UI component talks to the
// engine through `Backend` only. `createBackend` implements it once, over a `Transport`
// (./transport.ts: Tauri IPC or a WebSocket to `mayalink serve`), by calling the engine's
// command map — whose names and types are generated from Rust (../bindings/ApiSchema.ts).
import type { ConsoleBatch } from "../bindings/ConsoleBatch";
import type { DoctorReport } from "../bindings/DoctorReport";
import type { CleanupReport } from "../bindings/CleanupReport";
import type { ConsoleHistory } from "../bindings/ConsoleHistory";
import type { DiscoveredMaya } from "../bindings/DiscoveredMaya";
import type { Language } from "../bindings/Language";
import type { MayaInfo } from "../bindings/MayaInfo";
import type { RunOptions } from "../bindings/RunOptions";
import type { RunOutcome } from "../bindings/RunOutcome";
import type { RunResult } from "../bindings/RunResult";
import type { SessionSpec } from "../bindings/SessionSpec";
import type { SessionView } from "../bindings/SessionView";
import type { CommandPreset } from "../bindings/CommandPreset";
import type { HierarchyAckSpelling } from "../bindings/HierarchyAckSpelling";
import type { JointSpace } from "../bindings/JointSpace";
import type { MosketchCommand } from "../bindings/MosketchCommand";
import type { MosketchConfig } from "../bindings/MosketchConfig";
import type { MosketchHierarchy } from "../bindings/MosketchHierarchy";
import type { MosketchStatus } from "../bindings/MosketchStatus";
import type { OrientMode } from "../bindings/OrientMode";
import type { PoseSnapshot } from "../bindings/PoseSnapshot";
import type { Skeleton } from "../bindings/Skeleton";
import type { JointSample } from "../bindings/JointSample";
import type { LinkView } from "../bindings/LinkView";
import type { FileFilter, Transport, TransportKind, Unsubscribe, UpdateChannel } from "./transport";
import { toAppError } from "./app-error";

export type { AppError } from "../bindings/AppError";
export type { ErrorCode } from "../bindings/ErrorCode";
export type { ConsoleBatch } from "../bindings/ConsoleBatch";
export type { ConsoleLine } from "../bindings/ConsoleLine";
export type { LineKind } from "../bindings/LineKind";
export type { DoctorReport } from "../bindings/DoctorReport";
export type { PortStatus } from "../bindings/PortStatus";
export type { PortProto } from "../bindings/PortProto";
export type { CleanupReport } from "../bindings/CleanupReport";
export type { ConsoleHistory } from "../bindings/ConsoleHistory";
export type { DiscoveredMaya } from "../bindings/DiscoveredMaya";
export type { Language } from "../bindings/Language";
export type { MayaInfo } from "../bindings/MayaInfo";
export type { RunOptions } from "../bindings/RunOptions";
export type { RunOutcome } from "../bindings/RunOutcome";
export type { RunResult } from "../bindings/RunResult";
export type { SessionSpec } from "../bindings/SessionSpec";
export type { SessionView } from "../bindings/SessionView";
export type { LinkView } from "../bindings/LinkView";

export type { FileFilter, Unsubscribe, UpdateChannel } from "./transport";

/** Which transport is running; shown in the status bar. */
export type BackendKind = TransportKind;

export type ConsoleBatchHandler = (batch: ConsoleBatch) => void;

export type SessionsHandler = (sessions: SessionView[]) => void;

/** The Mosketch link's streams (see `subscribeMosketch`). */
export interface MosketchHandlers {
  /** The session's status (a few times a second); null when there is no Mosketch session. */
  onStatus(status: MosketchStatus | null): void;
  /** The current character; null before the first Hierarchy or without a session. */
  onHierarchy(hierarchy: MosketchHierarchy | null): void;
  /** The live pose: at most once per frame, newest only. */
  onPose(pose: PoseSnapshot): void;
}

export type LinkHandler = (view: LinkView) => void;

/**
 * The artist's choice for one Mosketch joint of the live link: drive this Maya node (long
 * path), drive nothing (`node: null`), or forget the choice and match by name again.
 */
export type LinkOverride = { node: string | null } | { clear: true };

/** One joint of a pose sent to Mosketch (`JointsStream`): R [x,y,z,w], T in metres. */
export type { JointSample as MosketchPoseJoint } from "../bindings/JointSample";

/**
 * Everything the UI can ask of the engine. Every method rejects with an `AppError`
 * (`{ code, message }`), never with anything else.
 */
export interface Backend {
  readonly kind: BackendKind;

  /** Versions, OS, log folder and the state of the ports Mayalink uses. */
  doctor(): Promise<DoctorReport>;

  /** Opens the log folder in the OS file manager. */
  openLogFolder(): Promise<void>;

  /** Updating the desktop app itself; null in a browser (updates come with the app there). */
  readonly updates: UpdateChannel | null;

  /**
   * Delivers console lines in batches (at most about one per frame) until the returned
   * function is called. Resolves once the subscription is live.
   */
  subscribeConsole(onBatch: ConsoleBatchHandler): Promise<Unsubscribe>;

  // ---- Maya sessions (the workspace) --------------------------------------------------

  /** Sends the full session list now and on every change, until unsubscribed. */
  subscribeSessions(onUpdate: SessionsHandler): Promise<Unsubscribe>;
  /** Adds a session (address like ":7001", "host:7001" or a Unix socket path). */
  addSession(spec: SessionSpec): Promise<SessionView>;
  updateSession(id: string, spec: SessionSpec): Promise<SessionView>;
  removeSession(id: string): Promise<void>;
  /** The session that receives runs from the editor. */
  setActiveSession(id: string): Promise<void>;
  connectSession(id: string): Promise<MayaInfo>;
  /** Removes Mayalink's callback and helper state in that Maya and releases the port. */
  cleanupSession(id: string): Promise<CleanupReport>;
  /**
   * Runs code in one session. A Python/MEL error resolves with `ok: false`; a rejection
   * means the run could not be delivered (unreachable, timeout, cancelled…).
   */
  run(id: string, code: string, lang: Language, options?: RunOptions): Promise<RunResult>;
  /** Runs the same code in every connected session, in parallel. */
  runAll(code: string, lang: Language, options?: RunOptions): Promise<RunOutcome[]>;
  /** Stops waiting for the run in flight (Maya itself finishes the code). */
  cancelRun(id: string): Promise<void>;
  /** Mayas running on this machine with an open commandPort. */
  discover(): Promise<DiscoveredMaya[]>;
  /** What went wrong restoring the saved sessions at start (a corrupt file kept aside…); empty when nothing. */
  startupWarnings(): Promise<string[]>;
  /** Up to `max` lines of a session's output history from absolute line `from`. */
  consoleHistory(session: string, from: number, max: number): Promise<ConsoleHistory>;
  /** Starts the built-in Demo Maya (and Mosketch simulator) and connects to them. */
  startDemo(): Promise<void>;

  // ---- Editor files, dialogs, clipboard ------------------------------------------------

  readFile(path: string): Promise<string>;
  writeFile(path: string, text: string): Promise<void>;
  /** The file the artist picked to open, or null when they cancelled. */
  pickOpenFile(filters: FileFilter[]): Promise<string | null>;
  /** Where the artist chose to save, or null when they cancelled. */
  pickSaveFile(defaultPath: string, filters: FileFilter[]): Promise<string | null>;
  /** The autosaved editor tabs (null: none yet). */
  loadTabs(): Promise<string | null>;
  saveTabs(state: string): Promise<void>;
  /** Copies text to the system clipboard. */
  writeClipboard(text: string): Promise<void>;

  // ---- Mosketch link and the preview's skeleton ------------------------------------------

  /** (Re)connects to Mosketch's streaming server (default 127.0.0.1:16094; missing fields take defaults). */
  mosketchConnect(config?: Partial<MosketchConfig>): Promise<void>;
  mosketchDisconnect(): Promise<void>;
  /** Status, hierarchy and pose of whichever Mosketch session is current, across reconnects. */
  subscribeMosketch(handlers: MosketchHandlers): Promise<Unsubscribe>;
  mosketchSetJointSpace(space: JointSpace): Promise<void>;
  mosketchSetOrientMode(mode: OrientMode): Promise<void>;
  mosketchSetAckSpelling(spelling: HierarchyAckSpelling): Promise<void>;
  mosketchSendCommand(command: MosketchCommand): Promise<void>;
  mosketchCommandPresets(): Promise<CommandPreset[]>;
  /** Sends a pose (`JointsStream` with Name/R/T, T in metres). */
  mosketchSendPose(joints: JointSample[]): Promise<void>;
  /** Parents and rest offsets of `names` from a connected Maya session. */
  skeletonFromMaya(session: string, names: string[]): Promise<Skeleton>;
  /** A skeleton file: `mayalink-skeleton/1` JSON or a BVH hierarchy. */
  skeletonLoadFile(path: string): Promise<Skeleton>;
  /** The skeleton file the artist picked (JSON or BVH), or null when they cancelled. */
  pickSkeletonFile(): Promise<string | null>;

  // ---- Live link: Mosketch drives Maya rigs ----------------------------------------------

  /** Mosketch drives these Maya sessions live (replaces a running link). Fails when nothing maps. */
  linkStart(sessions: string[]): Promise<LinkView>;
  /** Stops the live link: nothing of it stays in any Maya. */
  linkStop(): Promise<void>;
  /** "Follow Maya": the link's Maya #`maya` sends its pose to Mosketch live (Mosketch stops driving it). */
  linkFollow(maya: number, on: boolean): Promise<void>;
  /** "Send Maya pose to Mosketch", once: resolves with how many joints were sent. */
  linkSendMayaPose(maya: number): Promise<number>;
  /** Sets (or clears) the artist's choice for one Mosketch joint; the link maps again. */
  linkSetOverride(maya: number, mosketch: string, choice: LinkOverride): Promise<LinkView>;
  /** Writes that Maya's mapping choices to a JSON file. */
  linkExportOverrides(maya: number, path: string): Promise<void>;
  /** Reads mapping choices from a JSON file for that Maya; the link maps again. */
  linkImportOverrides(maya: number, path: string): Promise<LinkView>;
  /** The link's state (running, mapping, figures, warnings per Maya), now and on every change. */
  subscribeLink(onView: LinkHandler): Promise<Unsubscribe>;
}

const SKELETON_FILTERS: FileFilter[] = [
  { name: "Skeleton (JSON or BVH)", extensions: ["json", "bvh"] },
  { name: "All files", extensions: ["*"] },
];

/** Wraps a platform call so it rejects with an AppError only. */
async function platform<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toAppError(error);
  }
}

/** The update channel with every rejection normalised into an AppError. */
function checkedUpdates(u: UpdateChannel): UpdateChannel {
  return {
    check: () => platform(() => u.check()),
    download: (onProgress) => platform(() => u.download(onProgress)),
    install: () => platform(() => u.install()),
    settings: () => platform(() => u.settings()),
    setSettings: (settings) => platform(() => u.setSettings(settings)),
  };
}

/** The one implementation of `Backend`: the engine's command map over a transport. */
export function createBackend(t: Transport): Backend {
  return {
    kind: t.kind,
    doctor: () => t.call("doctor", {}),
    openLogFolder: () => platform(async () => t.openLogFolder((await t.call("doctor", {})).logDir)),
    updates: t.updates && checkedUpdates(t.updates),
    subscribeConsole: (onBatch) => t.subscribe("console", onBatch),

    subscribeSessions: (onUpdate) => t.subscribe("sessions", onUpdate),
    addSession: (spec) => t.call("maya_session_add", { spec }),
    updateSession: (id, spec) => t.call("maya_session_update", { id, spec }),
    removeSession: (id) => t.call("maya_session_remove", { id }),
    setActiveSession: (id) => t.call("maya_session_set_active", { id }),
    connectSession: (id) => t.call("maya_session_connect", { id }),
    cleanupSession: (id) => t.call("maya_session_cleanup", { id }),
    run: (id, code, lang, options) => t.call("maya_run", { id, code, lang, ...(options ? { options } : {}) }),
    runAll: (code, lang, options) => t.call("maya_run_all", { code, lang, ...(options ? { options } : {}) }),
    cancelRun: (id) => t.call("maya_cancel", { id }),
    discover: () => t.call("maya_discover", {}),
    startupWarnings: () => t.call("startup_warnings", {}),
    consoleHistory: (session, from, max) => t.call("console_history", { session, from, max }),
    startDemo: () => t.call("demo_start", {}),

    readFile: (path) => t.call("editor_read_file", { path }),
    writeFile: (path, text) => t.call("editor_write_file", { path, text }),
    pickOpenFile: (filters) => platform(() => t.pickOpenFile(filters)),
    pickSaveFile: (defaultPath, filters) => platform(() => t.pickSaveFile(defaultPath, filters)),
    loadTabs: () => t.call("editor_tabs_load", {}),
    saveTabs: (state) => t.call("editor_tabs_save", { state }),
    writeClipboard: (text) => platform(() => t.writeClipboard(text)),

    // Missing config fields take the engine's defaults (serde), so a partial one is enough.
    mosketchConnect: (config) =>
      t.call("mosketch_connect", config ? { config: config as MosketchConfig } : {}),
    mosketchDisconnect: () => t.call("mosketch_disconnect", {}),
    async subscribeMosketch(handlers: MosketchHandlers): Promise<Unsubscribe> {
      const stops = await Promise.all([
        t.subscribe("mosketch_status", (s) => handlers.onStatus(s)),
        t.subscribe("mosketch_hierarchy", (h) => handlers.onHierarchy(h)),
        t.subscribe("mosketch_pose", (p) => handlers.onPose(p)),
      ]);
      return () => stops.forEach((stop) => stop());
    },
    mosketchSetJointSpace: (space) => t.call("mosketch_set_joint_space", { space }),
    mosketchSetOrientMode: (mode) => t.call("mosketch_set_orient_mode", { mode }),
    mosketchSetAckSpelling: (spelling) => t.call("mosketch_set_ack_spelling", { spelling }),
    mosketchSendCommand: (command) => t.call("mosketch_send_command", { command }),
    mosketchCommandPresets: () => t.call("mosketch_command_presets", {}),
    mosketchSendPose: (joints) => t.call("mosketch_send_pose", { joints }),
    skeletonFromMaya: (session, names) => t.call("skeleton_from_maya", { session, names }),
    skeletonLoadFile: (path) => t.call("skeleton_load_file", { path }),
    pickSkeletonFile: () => platform(() => t.pickOpenFile(SKELETON_FILTERS, "Load a skeleton")),

    linkStart: (sessions) => t.call("link_start", { sessions }),
    linkStop: () => t.call("link_stop", {}),
    linkFollow: (maya, on) => t.call("link_follow", { maya, on }),
    linkSendMayaPose: (maya) => t.call("link_send_maya_pose", { maya }),
    linkSetOverride: (maya, mosketch, choice) =>
      t.call(
        "link_set_override",
        "clear" in choice ? { maya, mosketch, clear: true } : choice.node === null ? { maya, mosketch } : { maya, mosketch, node: choice.node },
      ),
    linkExportOverrides: (maya, path) => t.call("link_export_overrides", { maya, path }),
    linkImportOverrides: (maya, path) => t.call("link_import_overrides", { maya, path }),
    subscribeLink: (onView) => t.subscribe("link", onView),
  };
}
