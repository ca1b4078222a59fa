// The transport inside the desktop app — the only module in the UI that imports
// `@tauri-apps/*`. The engine's whole map is one Tauri command, `api`, and its streams
// one more, `api_subscribe` (a Channel each); dialogs and the clipboard are Tauri plugins;
// updating the app is the shell's own `update_*` commands (src-tauri/src/update/).
// Loaded lazily by ./index.ts, and only inside the Tauri webview.
import { Channel, invoke } from "@tauri-apps/api/core";
import { toAppError } from "./app-error";
import type { UpdateProgress } from "../bindings/UpdateProgress";
import type { Transport, UpdateChannel } from "./transport";

const updates: UpdateChannel = {
  check: () => invokeChecked("update_check"),
  async download(onProgress) {
    const channel = new Channel<UpdateProgress>();
    channel.onmessage = onProgress;
    return invokeChecked("update_download", { onProgress: channel });
  },
  install: () => invokeChecked<void>("update_install"),
  settings: () => invokeChecked("update_settings_get"),
  setSettings: (settings) => invokeChecked<void>("update_settings_set", { settings }),
};

/** `invoke`, with every rejection normalised into an `AppError`. */
async function invokeChecked<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toAppError(error);
  }
}

export function createTauriTransport(): Transport {
  return {
    kind: "tauri",
    call: (command, args) => invokeChecked("api", { call: command, args }),
    async subscribe(stream, onMessage) {
      const channel = new Channel<Parameters<typeof onMessage>[0]>();
      let handler: typeof onMessage | null = onMessage;
      channel.onmessage = (message) => handler?.(message);
      await invokeChecked<void>("api_subscribe", { stream, onMessage: channel });
      // The engine drops the channel when sending fails; detaching is all the UI does.
      return () => {
        handler = null;
      };
    },
    openLogFolder: () => invokeChecked<void>("open_log_folder"),
    async pickOpenFile(filters, title) {
      const { open } = await import("@tauri-apps/plugin-dialog");
      const picked = await open({ multiple: false, directory: false, filters, ...(title ? { title } : {}) });
      return typeof picked === "string" ? picked : null;
    },
    async pickSaveFile(defaultPath, filters) {
      const { save } = await import("@tauri-apps/plugin-dialog");
      return (await save({ defaultPath, filters })) ?? null;
    },
    async writeClipboard(text) {
      const { writeText } = await import("@tauri-apps/plugin-clipboard-manager");
      await writeText(text);
    },
    updates,
  };
}
