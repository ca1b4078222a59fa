// Read-mostly handles the browser tests, the real-app tests and the console benchmark use
// to look inside the UI (cheap: references only, nothing runs until a test calls it).
//   window.__mayalink:      the console feed, the editor model, the sessions state
//   window.__mayalinkBench: sizes of the console (lines held, shown, rows in the DOM)
import type { ConsoleFeed } from "../console/console-feed.svelte";
import type { EditorModel } from "../editor/editor-model.svelte";
import type { SessionsState } from "../sessions/sessions-state.svelte";

export interface TestHooks {
  console: ConsoleFeed;
  editor: EditorModel;
  sessions: SessionsState;
}

export interface BenchHooks {
  /** Lines the console holds / shows, and rows in the DOM. */
  sizes(): { held: number; shown: number; domRows: number };
}

declare global {
  interface Window {
    __mayalink?: TestHooks;
    __mayalinkBench?: BenchHooks;
  }
}

export function installTestHooks(app: TestHooks): void {
  if (typeof window === "undefined") return;
  window.__mayalink = app;
  window.__mayalinkBench = {
    sizes: () => ({
      held: app.console.store.size,
      shown: app.console.view.length,
      domRows: document.querySelectorAll('[data-testid="console-line"]').length,
    }),
  };
}
