/// <reference types="svelte" />
/// <reference types="vite/client" />

interface Window {
  /** Present only inside the Tauri webview; its absence means "talk to `mayalink serve` over a WebSocket". */
  __TAURI_INTERNALS__?: unknown;
}
