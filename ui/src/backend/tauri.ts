// The Backend over Tauri IPC — the only module in the UI that imports `@tauri-apps/*`.
// Loaded lazily by ./index.ts, and only when running inside the Tauri webview, so the
// fake build never contains it. Command names match the Rust `#[tauri::command]`s.
import { Channel, invoke, type InvokeArgs } from "@tauri-apps/api/core";
import type { Backend, ConsoleBatch, ConsoleBatchHandler, DoctorReport, Unsubscribe } from "./backend";
import type {
  CleanupReport,
  ConsoleHistory,
  DiscoveredMaya,
  FileFilter,
  MayaInfo,
  RunOutcome,
  RunResult,
  SessionView,
  SessionsHandler,
} from "./backend";
import type { MosketchHandlers } from "./backend";
import type { CommandPreset } from "../bindings/CommandPreset";
import type { MosketchHierarchy } from "../bindings/MosketchHierarchy";
import type { MosketchStatus } from "../bindings/MosketchStatus";
import type { PoseSnapshot } from "../bindings/PoseSnapshot";
import type { Skeleton } from "../bindings/Skeleton";
import { toAppError } from "./app-error";

/** `invoke`, with every rejection normalised into an `AppError`. */
async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toAppError(error);
  }
}

export function createTauriBackend(): Backend {
  return {
    kind: "tauri",

    doctor: () => call<DoctorReport>("doctor"),

    openLogFolder: () => call<void>("open_log_folder"),

    async subscribeConsole(onBatch: ConsoleBatchHandler): Promise<Unsubscribe> {
      const channel = new Channel<ConsoleBatch>();
      let handler: ConsoleBatchHandler | null = onBatch;
      channel.onmessage = (batch) => handler?.(batch);
      await call<void>("console_subscribe", { onBatch: channel });
      // The engine drops the channel when sending fails; detaching is all the UI does.
      return () => {
        handler = null;
      };
    },

    // ---- Maya sessions --------------------------------------------------------------

    async subscribeSessions(onUpdate: SessionsHandler): Promise<Unsubscribe> {
      const channel = new Channel<SessionView[]>();
      let handler: SessionsHandler | null = onUpdate;
      channel.onmessage = (list) => handler?.(list);
      await call<void>("maya_sessions_subscribe", { onUpdate: channel });
      return () => {
        handler = null;
      };
    },
    addSession: (spec) => call<SessionView>("maya_session_add", { spec }),
    updateSession: (id, spec) => call<SessionView>("maya_session_update", { id, spec }),
    removeSession: (id) => call<void>("maya_session_remove", { id }),
    setActiveSession: (id) => call<void>("maya_session_set_active", { id }),
    connectSession: (id) => call<MayaInfo>("maya_session_connect", { id }),
    cleanupSession: (id) => call<CleanupReport>("maya_session_cleanup", { id }),
    run: (id, code, lang, options) => call<RunResult>("maya_run", { id, code, lang, options: options ?? null }),
    runAll: (code, lang, options) => call<RunOutcome[]>("maya_run_all", { code, lang, options: options ?? null }),
    cancelRun: (id) => call<void>("maya_cancel", { id }),
    discover: () => call<DiscoveredMaya[]>("maya_discover", { pattern: null }),
    consoleHistory: (session, from, max) => call<ConsoleHistory>("console_history", { session, from, max }),
    startDemo: () => call<void>("demo_start"),

    // ---- Editor files, dialogs, clipboard --------------------------------------------

    readFile: (path) => call<string>("editor_read_file", { path }),
    writeFile: (path, text) => call<void>("editor_write_file", { path, text }),
    async pickOpenFile(filters: FileFilter[]): Promise<string | null> {
      try {
        const { open } = await import("@tauri-apps/plugin-dialog");
        const picked = await open({ multiple: false, directory: false, filters });
        return typeof picked === "string" ? picked : null;
      } catch (error) {
        throw toAppError(error);
      }
    },
    async pickSaveFile(defaultPath: string, filters: FileFilter[]): Promise<string | null> {
      try {
        const { save } = await import("@tauri-apps/plugin-dialog");
        return (await save({ defaultPath, filters })) ?? null;
      } catch (error) {
        throw toAppError(error);
      }
    },
    loadTabs: () => call<string | null>("editor_tabs_load"),
    saveTabs: (state) => call<void>("editor_tabs_save", { state }),
    async writeClipboard(text: string): Promise<void> {
      try {
        const { writeText } = await import("@tauri-apps/plugin-clipboard-manager");
        await writeText(text);
      } catch (error) {
        throw toAppError(error);
      }
    },

    // ---- Mosketch link and the preview's skeleton -------------------------------------

    mosketchConnect: (config) => call<void>("mosketch_connect", { config: config ?? null }),
    mosketchDisconnect: () => call<void>("mosketch_disconnect"),
    async subscribeMosketch(handlers: MosketchHandlers): Promise<Unsubscribe> {
      const onStatus = new Channel<MosketchStatus | null>();
      const onHierarchy = new Channel<MosketchHierarchy | null>();
      const onPose = new Channel<PoseSnapshot>();
      let h: MosketchHandlers | null = handlers;
      onStatus.onmessage = (s) => h?.onStatus(s);
      onHierarchy.onmessage = (x) => h?.onHierarchy(x);
      onPose.onmessage = (p) => h?.onPose(p);
      await call<void>("mosketch_subscribe", { onStatus, onHierarchy, onPose });
      return () => {
        h = null;
      };
    },
    mosketchSetJointSpace: (space) => call<void>("mosketch_set_joint_space", { space }),
    mosketchSetOrientMode: (mode) => call<void>("mosketch_set_orient_mode", { mode }),
    mosketchSetAckSpelling: (spelling) => call<void>("mosketch_set_ack_spelling", { spelling }),
    mosketchSendCommand: (command) => call<void>("mosketch_send_command", { command }),
    mosketchCommandPresets: () => call<CommandPreset[]>("mosketch_command_presets"),
    mosketchSendPose: (joints) => call<void>("mosketch_send_pose", { joints }),
    skeletonFromMaya: (session, names) => call<Skeleton>("skeleton_from_maya", { session, names }),
    skeletonLoadFile: (path) => call<Skeleton>("skeleton_load_file", { path }),
    async pickSkeletonFile(): Promise<string | null> {
      try {
        const { open } = await import("@tauri-apps/plugin-dialog");
        const picked = await open({
          multiple: false,
          directory: false,
          title: "Load a skeleton",
          filters: [
            { name: "Skeleton (JSON or BVH)", extensions: ["json", "bvh"] },
            { name: "All files", extensions: ["*"] },
          ],
        });
        return typeof picked === "string" ? picked : null;
      } catch (error) {
        throw toAppError(error);
      }
    },
  };
}
