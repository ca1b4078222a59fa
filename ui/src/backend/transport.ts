// How the UI reaches the engine: its command map (`call`, typed by command name from the
// generated ApiSchema) and its streams (`subscribe`, typed by ApiStreams), plus the few
// things only the surrounding platform can do (file dialogs, clipboard, opening a folder,
// updating the app itself).
// Two implementations: ./tauri.ts (IPC inside the desktop app) and ./websocket.ts (a
// browser talking to `mayalink serve`).
import type { ApiSchema } from "../bindings/ApiSchema";
import type { ApiStreams } from "../bindings/ApiStreams";
import type { UpdateCheck } from "../bindings/UpdateCheck";
import type { UpdateDownloaded } from "../bindings/UpdateDownloaded";
import type { UpdateProgress } from "../bindings/UpdateProgress";
import type { UpdateSettings } from "../bindings/UpdateSettings";

export type Command = keyof ApiSchema;
export type Args<K extends Command> = ApiSchema[K][0];
/** A command's result; `()` in Rust (JSON null) is `void` here. */
export type Result<K extends Command> = [ApiSchema[K][1]] extends [null] ? void : ApiSchema[K][1];
export type Stream = keyof ApiStreams;
export type StreamMessage<S extends Stream> = ApiStreams[S];

/** Stops a subscription. Calling it more than once is harmless. */
export type Unsubscribe = () => void;

/** A file filter of the open/save dialogs: `{ name: "Python", extensions: ["py"] }`. */
export interface FileFilter {
  name: string;
  extensions: string[];
}

/**
 * The desktop app updating itself (the shell's tauri-plugin-updater). Rejects with an
 * `AppError` only; a package whose signature does not match Mayalink's key never resolves
 * `download`.
 */
export interface UpdateChannel {
  /** The running version and the newer one on offer (null: up to date). */
  check(): Promise<UpdateCheck>;
  /** Downloads the offered package and verifies its signature. */
  download(onProgress: (progress: UpdateProgress) => void): Promise<UpdateDownloaded>;
  /** Installs the downloaded package and restarts into it. */
  install(): Promise<void>;
  settings(): Promise<UpdateSettings>;
  setSettings(settings: UpdateSettings): Promise<void>;
}

/** Which transport is running; shown in the status bar. */
export type TransportKind = "tauri" | "browser";

export interface Transport {
  readonly kind: TransportKind;
  /** Runs one command of the engine's map; rejects with an `AppError` only. */
  call<K extends Command>(command: K, args: Args<K>): Promise<Result<K>>;
  /** Delivers a stream's messages until unsubscribed; resolves once the stream is live. */
  subscribe<S extends Stream>(stream: S, onMessage: (message: StreamMessage<S>) => void): Promise<Unsubscribe>;

  /** Opens the log folder in the OS file manager. */
  openLogFolder(logDir: string): Promise<void>;
  /** The file the artist picked to open, or null when they cancelled. */
  pickOpenFile(filters: FileFilter[], title?: string): Promise<string | null>;
  /** Where the artist chose to save, or null when they cancelled. */
  pickSaveFile(defaultPath: string, filters: FileFilter[]): Promise<string | null>;
  writeClipboard(text: string): Promise<void>;
  /** Null in a browser: `mayalink serve`'s page updates with the Mayalink installed there. */
  readonly updates: UpdateChannel | null;
}
