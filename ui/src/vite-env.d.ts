/// <reference types="svelte" />
/// <reference types="vite/client" />

interface Window {
  /** Present only inside the Tauri webview; its absence means "run on the fake backend". */
  __TAURI_INTERNALS__?: unknown;
}
