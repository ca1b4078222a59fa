// Hooks the fake build puts on `window` for browser tests and the console benchmark
// (tests/browser/bench-console.mjs). Never installed with the real backend.
//   window.__mayalinkFake:  the fake's controls (simulated Maya, files, dialogs, clipboard)
//   window.__mayalinkBench: fill the console with N lines, stream lines at a rate, read sizes
import type { Backend } from "../backend/backend";
import { fakeControls } from "../backend/fake";
import type { ConsoleLine } from "../bindings/ConsoleLine";
import type { LineKind } from "../bindings/LineKind";
import type { ConsoleFeed } from "../console/console-feed.svelte";
import type { EditorModel } from "../editor/editor-model.svelte";
import type { SessionsState } from "../sessions/sessions-state.svelte";

const KINDS: LineKind[] = ["output", "output", "output", "info", "history", "echo", "result", "warning", "error", "stack_trace"];

export interface BenchHooks {
  /** Delivers `count` lines (in batches of `batch`) through the engine's path; resolves when shown. */
  fill(count: number, batch?: number): Promise<void>;
  /** Starts delivering `perSecond` lines a second (one batch per ~16 ms); returns a stop function id. */
  stream(perSecond: number): void;
  stopStream(): number;
  /** Lines the console holds / shows, and rows in the DOM. */
  sizes(): { held: number; shown: number; domRows: number };
}

declare global {
  interface Window {
    __mayalinkFake?: unknown;
    __mayalinkBench?: BenchHooks;
  }
}

export function installFakeHooks(
  backend: Backend,
  app: { console: ConsoleFeed; editor: EditorModel; sessions: SessionsState },
): void {
  const controls = fakeControls(backend);
  if (!controls || typeof window === "undefined") return;
  window.__mayalinkFake = { ...controls, editor: app.editor, sessions: app.sessions, console: app.console };
  let n = 0;
  const makeLines = (count: number): ConsoleLine[] => {
    const t = Date.now();
    const out: ConsoleLine[] = new Array(count);
    for (let i = 0; i < count; i++, n++) {
      out[i] = {
        session: n % 3 === 0 ? "bench-b" : "bench-a",
        kind: KINDS[n % KINDS.length] as LineKind,
        text: `# frame ${n}: ctrl_Spine${n % 7}.rotateY = ${((n * 0.37) % 360).toFixed(3)} — keyed on layer BaseAnimation`,
        timeMs: t,
      };
    }
    return out;
  };
  let timer: ReturnType<typeof setInterval> | null = null;
  let streamed = 0;
  window.__mayalinkBench = {
    async fill(count, batch = 100_000) {
      const target = app.console.store.end + count;
      for (let left = count; left > 0; left -= batch) {
        controls.inject(makeLines(Math.min(batch, left)));
        await new Promise((r) => setTimeout(r, 0));
      }
      while (app.console.store.end < target) await new Promise((r) => requestAnimationFrame(r));
    },
    stream(perSecond) {
      if (timer !== null) clearInterval(timer);
      streamed = 0;
      const started = performance.now();
      timer = setInterval(() => {
        const due = Math.floor(((performance.now() - started) / 1000) * perSecond) - streamed;
        if (due > 0) {
          controls.inject(makeLines(due));
          streamed += due;
        }
      }, 16);
    },
    stopStream() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      return streamed;
    },
    sizes() {
      return {
        held: app.console.store.size,
        shown: app.console.view.length,
        domRows: document.querySelectorAll('[data-testid="console-line"]').length,
      };
    },
  };
}
