// Running code from the editor: in the active Maya (Ctrl+Enter: the tab; Shift+Enter: the
// selection or current line) or in every connected Maya. The engine echoes each run and its
// result into the console; the runner adds only what the engine cannot say: that a run was
// not delivered (unreachable, timed out, stopped waiting). It also keeps the run history.
import { describeAppError, toAppError } from "../backend/app-error";
import type { Backend } from "../backend/backend";
import type { AppError } from "../bindings/AppError";
import type { Language } from "../bindings/Language";
import type { RunOptions } from "../bindings/RunOptions";
import type { ConsoleFeed } from "../console/console-feed.svelte";
import { runFileName, selectionOrLine } from "../editor/editor-tabs";
import type { EditorModel } from "../editor/editor-model.svelte";
import { RUN_HISTORY_KEY, addToHistory, markResult, parseHistory, type HistoryEntry, type HistoryMap } from "../editor/run-history";
import { EditorSelection } from "@codemirror/state";
import type { SessionsState } from "../sessions/sessions-state.svelte";

export const UNDO_CHUNK = "Mayalink run";

export class Runner {
  history = $state.raw<HistoryMap>({});
  /** A short message next to the Run button ("Add a Maya first", …). */
  hint = $state<string | null>(null);
  /** Runs waiting for a reply, per session. */
  pending = $state<Record<string, number>>({});

  #backend: Backend | null = null;
  #storage: Pick<Storage, "getItem" | "setItem"> | null;
  #hintTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly sessions: SessionsState,
    readonly console: ConsoleFeed,
    readonly editor: EditorModel,
    storage: Pick<Storage, "getItem" | "setItem"> | null,
  ) {
    this.#storage = storage;
    try {
      this.history = parseHistory(storage?.getItem(RUN_HISTORY_KEY) ?? null);
    } catch {
      this.history = {};
    }
    editor.commands.runAll = () => void this.runTab();
    editor.commands.runSelection = () => void this.runSelection();
    editor.commands.runInAllSessions = () => void this.runTab({ everywhere: true });
  }

  attach(backend: Backend): void {
    this.#backend = backend;
  }

  historyOf(session: string | null | undefined): HistoryEntry[] {
    return session ? (this.history[session] ?? []) : [];
  }

  #saveHistory(map: HistoryMap): void {
    this.history = map;
    try {
      this.#storage?.setItem(RUN_HISTORY_KEY, JSON.stringify(map));
    } catch {
      /* history is a convenience */
    }
  }

  #say(hint: string): void {
    this.hint = hint;
    if (this.#hintTimer !== null) clearTimeout(this.#hintTimer);
    this.#hintTimer = setTimeout(() => (this.hint = null), 5000);
  }

  /** Runs the active tab's whole text. */
  async runTab(opts: { everywhere?: boolean } = {}): Promise<void> {
    const tab = this.editor.active;
    if (!tab) return;
    const code = this.editor.textOf(tab.id);
    await this.run(code, tab.lang, runFileName(tab, null), opts.everywhere ?? false);
  }

  /** Runs the selection, or the cursor's line (then moves to the next line, as in VS Code). */
  async runSelection(): Promise<void> {
    const tab = this.editor.active;
    const view = this.editor.view;
    if (!tab || !view) return;
    const sel = view.state.selection.main;
    const doc = view.state.doc.toString();
    const { code, fromLine, nextLineStart } = selectionOrLine(doc, sel.from, sel.to);
    if (nextLineStart !== null) view.dispatch({ selection: EditorSelection.cursor(nextLineStart), scrollIntoView: true });
    await this.run(code, tab.lang, runFileName(tab, fromLine), false);
  }

  async run(code: string, lang: Language, fileName: string, everywhere: boolean): Promise<void> {
    const backend = this.#backend;
    if (!backend) return;
    if (code.trim() === "") {
      this.#say("Nothing to run: the editor (or selection) is empty.");
      return;
    }
    const options: RunOptions = { undoChunk: UNDO_CHUNK, fileName };
    if (everywhere) {
      const targets = this.sessions.connected;
      if (targets.length === 0) {
        this.#say("No connected Maya: connect one in the sidebar first.");
        return;
      }
      let map = this.history;
      for (const s of targets) map = addToHistory(map, s.id, { code, lang, timeMs: Date.now(), ok: null });
      this.#saveHistory(map);
      for (const s of targets) this.#pend(s.id, +1);
      try {
        const outcomes = await backend.runAll(code, lang, options);
        let next = this.history;
        for (const o of outcomes) {
          next = markResult(next, o.session, code, o.result ? o.result.ok : null);
          if (o.error) this.#notDelivered(o.session, o.error);
        }
        this.#saveHistory(next);
      } catch (e) {
        this.#say(`Could not run in all sessions: ${describeAppError(toAppError(e))}`);
      } finally {
        for (const s of targets) this.#pend(s.id, -1);
      }
      return;
    }
    const session = this.sessions.active;
    if (!session) {
      this.#say("No Maya yet: add one in the sidebar (or try the demo), then run again.");
      return;
    }
    const id = session.id;
    this.#saveHistory(addToHistory(this.history, id, { code, lang, timeMs: Date.now(), ok: null }));
    this.#pend(id, +1);
    try {
      const result = await backend.run(id, code, lang, options);
      this.#saveHistory(markResult(this.history, id, code, result.ok));
    } catch (e) {
      this.#notDelivered(id, toAppError(e));
    } finally {
      this.#pend(id, -1);
    }
  }

  #pend(id: string, delta: number): void {
    const n = (this.pending[id] ?? 0) + delta;
    const next = { ...this.pending };
    if (n > 0) next[id] = n;
    else delete next[id];
    this.pending = next;
  }

  /** The run never reached Maya (or we stopped waiting): say so in that session's console. */
  #notDelivered(session: string, error: AppError): void {
    const text =
      error.code === "cancelled"
        ? /^stopped waiting/i.test(error.message)
          ? error.message
          : `Stopped waiting for this run: ${error.message}`
        : `Not run — ${describeAppError(error)}`;
    this.console.push([{ session, kind: error.code === "cancelled" ? "notice" : "error", text, timeMs: Date.now() }]);
  }

  /** Puts a history entry into the editor (at the cursor, replacing the selection). */
  recall(entry: HistoryEntry): void {
    const tab = this.editor.active;
    if (tab && tab.lang !== entry.lang && this.editor.textOf(tab.id).trim() === "") this.editor.setLanguage(entry.lang);
    else if (tab && tab.lang !== entry.lang) {
      this.editor.newTab(entry.code, entry.lang);
      return;
    }
    this.editor.insert(entry.code);
  }
}
