// Picks the transport: Tauri IPC inside the desktop app's webview, a WebSocket to
// `mayalink serve` in any other browser. Either way the UI gets the same `Backend`.
import { createBackend, type Backend, type BackendKind } from "./backend";

export function chooseBackendKind(insideTauri: boolean): BackendKind {
  return insideTauri ? "tauri" : "browser";
}

export function isInsideTauri(scope: unknown = globalThis): boolean {
  if (typeof scope !== "object" || scope === null) return false;
  const win = (scope as { window?: unknown }).window ?? scope;
  return typeof win === "object" && win !== null && "__TAURI_INTERNALS__" in win;
}

export async function loadBackend(insideTauri = isInsideTauri()): Promise<Backend> {
  if (chooseBackendKind(insideTauri) === "tauri") {
    const { createTauriTransport } = await import("./tauri");
    return createBackend(createTauriTransport());
  }
  const { createWebSocketTransport } = await import("./websocket");
  return createBackend(await createWebSocketTransport());
}
