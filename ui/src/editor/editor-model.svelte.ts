// The command editor's state: its tabs (each a CodeMirror EditorState, swapped into the one
// EditorView), files (open, save, save as), the language per tab, dirty markers, the
// autosave of every tab and its restore at start, and jumping to a traceback's line.
// The editor itself (view, language, keys: most of CodeMirror) loads with loadEditor(),
// when it is first shown: until then each tab's state holds its text and selection only.
import { Compartment, EditorSelection, EditorState, type Extension } from "@codemirror/state";
import type { EditorView } from "@codemirror/view";
import { describeAppError, toAppError } from "../backend/app-error";
import type { Backend, FileFilter } from "../backend/backend";
import type { AppError } from "../bindings/AppError";
import type { Language } from "../bindings/Language";
import type { EditorCommands } from "./codemirror-setup";
import {
  baseName,
  isDirty,
  languageOfPath,
  newTabId,
  newerSnapshot,
  parseTabs,
  serializeTabs,
  type TabData,
  type TabsSnapshot,
} from "./editor-tabs";
import { TabsAutosave, type AutosaveStatus } from "./tabs-autosave";
import { keys } from "../shortcuts/platform-keys";

export interface TabMeta {
  id: string;
  title: string;
  path: string | null;
  lang: Language;
  savedText: string | null;
  dirty: boolean;
}

export const SCRIPT_FILTERS: FileFilter[] = [
  { name: "Maya scripts", extensions: ["py", "mel"] },
  { name: "Python", extensions: ["py"] },
  { name: "MEL", extensions: ["mel"] },
  { name: "All files", extensions: ["*"] },
];

const WELCOME_TEXT = [
  "# Welcome to Mayalink's editor: this runs in the active Maya.",
  `# ${keys("Mod+Enter")} runs everything, ${keys("Shift+Enter")} the selection or the current line.`,
  "import maya.cmds as cmds",
  "",
  'print("Hello from Mayalink")',
  'cmds.ls(type="joint")',
  "",
].join("\n");

/** The lazily loaded editor: CodeMirror's view and every tab's extensions. */
type EditorParts = typeof import("./codemirror-setup");

export class EditorModel {
  tabs = $state<TabMeta[]>([]);
  activeId = $state<string | null>(null);
  /** Autosave problems (the text is safe in the editor and in localStorage). */
  autosave = $state<AutosaveStatus>({ error: null, backupFailed: false, pending: false });
  /** A file operation failed (open/save). */
  fileError = $state<string | null>(null);
  restored = $state(false);
  /** Bumps on every doc or selection change of the active tab. */
  revision = $state(0);

  #states = new Map<string, EditorState>();
  #languageSlots = new Map<string, Compartment>();
  /** Per tab: the editor's extensions, empty until the editor is loaded. */
  #featureSlots = new Map<string, Compartment>();
  #parts: EditorParts | null = null;
  #loading: Promise<EditorParts> | null = null;
  #view: EditorView | null = null;
  #backend: Backend | null = null;
  #autosaver: TabsAutosave | null = null;
  #nextNumber = 1;
  #saveTimer: ReturnType<typeof setTimeout> | null = null;
  commands: EditorCommands = {
    runAll: () => {},
    runSelection: () => {},
    runInAllSessions: () => {},
    save: () => void this.save(),
    saveAs: () => void this.save(true),
    open: () => void this.open(),
    newTab: () => this.newTab(),
  };

  readonly active = $derived(this.tabs.find((t) => t.id === this.activeId) ?? null);

  get view(): EditorView | null {
    return this.#view;
  }

  /** Whether the editor (CodeMirror's view and extensions) is loaded. */
  get editorLoaded(): boolean {
    return this.#parts !== null;
  }

  /** Loads the editor and gives every tab its extensions; mount() needs it. */
  async loadEditor(): Promise<void> {
    if (this.#parts) return;
    this.#loading ??= import("./codemirror-setup");
    const parts = await this.#loading;
    if (this.#parts) return;
    this.#parts = parts;
    for (const [id, st] of this.#states) {
      const slot = this.#featureSlots.get(id);
      const lang = this.tabs.find((t) => t.id === id)?.lang ?? "python";
      if (slot) this.#states.set(id, st.update({ effects: slot.reconfigure(this.#features(id, lang)) }).state);
    }
  }

  #features(id: string, lang: Language): Extension {
    const parts = this.#parts;
    const languageSlot = this.#languageSlots.get(id);
    if (!parts || !languageSlot) return [];
    return [
      parts.tabExtensions({
        lang,
        languageSlot,
        commands: () => this.commands,
        onChange: (state) => this.#changed(id, state),
      }),
      parts.flashField,
    ];
  }

  #makeState(tab: { id: string; lang: Language; text: string; cursor: number }): EditorState {
    this.#languageSlots.set(tab.id, new Compartment());
    const features = new Compartment();
    this.#featureSlots.set(tab.id, features);
    return EditorState.create({
      doc: tab.text,
      selection: EditorSelection.cursor(Math.min(tab.cursor, tab.text.length)),
      extensions: features.of(this.#features(tab.id, tab.lang)),
    });
  }

  #changed(id: string, state: EditorState): void {
    this.#states.set(id, state);
    const meta = this.tabs.find((t) => t.id === id);
    if (meta) {
      const dirty = isDirty({ text: state.doc.toString(), savedText: meta.savedText });
      if (dirty !== meta.dirty) meta.dirty = dirty;
    }
    if (id === this.activeId) this.revision++;
    this.#scheduleAutosave();
  }

  /** Restores autosaved tabs (the newer of the backend's and the localStorage copy). */
  async restore(backend: Backend, storage: Pick<Storage, "getItem" | "setItem"> | null): Promise<void> {
    this.#backend = backend;
    this.#autosaver = new TabsAutosave({
      save: (s) => backend.saveTabs(s),
      storage,
      onStatus: (status) => (this.autosave = status),
    });
    let fromBackend: TabsSnapshot | null = null;
    try {
      fromBackend = parseTabs(await backend.loadTabs());
    } catch (e) {
      this.autosave = { ...this.autosave, error: toAppError(e) };
    }
    const fromBackup = parseTabs(this.#autosaver.readBackup());
    const snapshot = newerSnapshot(fromBackend, fromBackup);
    if (snapshot && snapshot.tabs.length > 0) {
      this.#nextNumber = snapshot.nextNumber;
      this.tabs = snapshot.tabs.map((t) => this.#adopt(t));
      this.activeId = snapshot.activeId ?? snapshot.tabs[0]?.id ?? null;
    } else {
      const tab = { ...this.#newTabData(WELCOME_TEXT, "python"), savedText: WELCOME_TEXT };
      this.tabs = [this.#adopt(tab)];
      this.activeId = tab.id;
    }
    this.restored = true;
    if (this.#view && this.activeId) this.#view.setState(this.#states.get(this.activeId) as EditorState);
  }

  #adopt(tab: TabData): TabMeta {
    this.#states.set(tab.id, this.#makeState(tab));
    return { id: tab.id, title: tab.title, path: tab.path, lang: tab.lang, savedText: tab.savedText, dirty: isDirty(tab) };
  }

  #newTabData(text: string, lang: Language): TabData {
    const title = `Script ${this.#nextNumber++}`;
    return { id: newTabId(), title, path: null, lang, text, savedText: null, cursor: text.length };
  }

  /** Mounts the one EditorView into `parent` (after loadEditor()). */
  mount(parent: HTMLElement): EditorView {
    const parts = this.#parts;
    if (!parts) throw new Error("the editor is not loaded: call loadEditor() first");
    const state = (this.activeId && this.#states.get(this.activeId)) || this.#makeState({ id: "__placeholder", lang: "python", text: "", cursor: 0 });
    this.#view = new parts.EditorView({ state, parent });
    return this.#view;
  }

  unmount(): void {
    if (this.#view && this.activeId) this.#states.set(this.activeId, this.#view.state);
    this.#view?.destroy();
    this.#view = null;
  }

  stateOf(id: string): EditorState | undefined {
    return id === this.activeId && this.#view ? this.#view.state : this.#states.get(id);
  }

  textOf(id: string): string {
    return this.stateOf(id)?.doc.toString() ?? "";
  }

  select(id: string): void {
    if (id === this.activeId || !this.#states.has(id)) return;
    if (this.#view && this.activeId) this.#states.set(this.activeId, this.#view.state);
    this.activeId = id;
    if (this.#view) {
      this.#view.setState(this.#states.get(id) as EditorState);
      this.#view.focus();
    }
    this.revision++;
    this.#scheduleAutosave();
  }

  newTab(text = "", lang: Language = this.active?.lang ?? "python"): string {
    const tab = this.#newTabData(text, lang);
    this.tabs.push(this.#adopt(tab));
    this.select(tab.id);
    this.#scheduleAutosave();
    return tab.id;
  }

  /** Closes a tab (the caller confirmed if it was dirty). A last tab is replaced by an empty one. */
  close(id: string): void {
    const i = this.tabs.findIndex((t) => t.id === id);
    if (i < 0) return;
    if (this.tabs.length === 1) {
      const tab = this.#newTabData("", this.tabs[0]?.lang ?? "python");
      this.tabs.push(this.#adopt(tab));
    }
    if (id === this.activeId) {
      const next = this.tabs[i + 1] ?? this.tabs[i - 1];
      if (next) this.select(next.id);
    }
    this.tabs.splice(this.tabs.findIndex((t) => t.id === id), 1);
    this.#states.delete(id);
    this.#languageSlots.delete(id);
    this.#featureSlots.delete(id);
    this.#scheduleAutosave();
  }

  setLanguage(lang: Language, id = this.activeId): void {
    const meta = this.tabs.find((t) => t.id === id);
    if (!meta || !id || meta.lang === lang) return;
    meta.lang = lang;
    // Before the editor is loaded there is nothing to swap: its extensions take meta.lang.
    const slot = this.#parts ? this.#languageSlots.get(id) : undefined;
    const effects = this.#parts && slot?.reconfigure(this.#parts.languageExtension(lang));
    if (effects) {
      if (id === this.activeId && this.#view) this.#view.dispatch({ effects });
      else {
        const st = this.#states.get(id);
        if (st) this.#states.set(id, st.update({ effects }).state);
      }
    }
    this.#scheduleAutosave();
  }

  /** Opens a file (picked in a dialog unless given) in a tab (or switches to it). */
  async open(path?: string): Promise<string | null> {
    const backend = this.#backend;
    if (!backend) return null;
    this.fileError = null;
    try {
      const picked = path ?? (await backend.pickOpenFile(SCRIPT_FILTERS));
      if (!picked) return null;
      const existing = this.tabs.find((t) => t.path === picked);
      if (existing) {
        this.select(existing.id);
        return existing.id;
      }
      const text = await backend.readFile(picked);
      const tab: TabData = { id: newTabId(), title: baseName(picked), path: picked, lang: languageOfPath(picked), text, savedText: text, cursor: 0 };
      // Replace an untouched empty tab, as editors do.
      const empty = this.active && this.active.path === null && this.textOf(this.active.id) === "" ? this.active.id : null;
      this.tabs.push(this.#adopt(tab));
      this.select(tab.id);
      if (empty) this.close(empty);
      this.#scheduleAutosave();
      return tab.id;
    } catch (e) {
      this.fileError = describeAppError(toAppError(e));
      return null;
    }
  }

  /** Saves the active tab to its file (or asks where, for a new one or "save as"). */
  async save(as = false): Promise<boolean> {
    const backend = this.#backend;
    const meta = this.active;
    if (!backend || !meta) return false;
    this.fileError = null;
    try {
      let path = meta.path;
      if (as || !path) {
        const suggested = path ?? `${meta.title.replace(/[^\w.-]+/g, "_").toLowerCase()}.${meta.lang === "mel" ? "mel" : "py"}`;
        path = await backend.pickSaveFile(suggested, SCRIPT_FILTERS);
        if (!path) return false;
      }
      const text = this.textOf(meta.id);
      await backend.writeFile(path, text);
      meta.path = path;
      meta.title = baseName(path);
      meta.savedText = text;
      meta.dirty = false;
      if (!as && meta.lang !== languageOfPath(path) && /\.(py|mel)$/i.test(path)) this.setLanguage(languageOfPath(path), meta.id);
      this.#scheduleAutosave();
      return true;
    } catch (e) {
      this.fileError = describeAppError(toAppError(e));
      return false;
    }
  }

  /** Moves the cursor to a 1-based line of a tab, scrolls it into view and flashes it. */
  jumpTo(tabId: string, line: number): boolean {
    if (!this.#states.has(tabId)) return false;
    this.select(tabId);
    const view = this.#view;
    const parts = this.#parts;
    if (!view || !parts) return false;
    const n = Math.max(1, Math.min(line, view.state.doc.lines));
    const pos = view.state.doc.line(n).from;
    view.dispatch({
      selection: EditorSelection.cursor(pos),
      effects: [parts.EditorView.scrollIntoView(pos, { y: "center" }), parts.flashLine.of(pos)],
    });
    view.focus();
    setTimeout(() => {
      if (this.#view === view) view.dispatch({ effects: parts.flashLine.of(null) });
    }, 1200);
    return true;
  }

  /** Inserts text at the cursor of the active tab (replacing the selection). */
  insert(text: string): void {
    const view = this.#view;
    if (view) {
      view.dispatch(view.state.replaceSelection(text));
      view.focus();
      return;
    }
    // The editor is not shown yet: the tab's state takes the text all the same.
    const id = this.activeId;
    const st = id ? this.#states.get(id) : undefined;
    if (id && st) this.#changed(id, st.update(st.replaceSelection(text)).state);
  }

  snapshot(): TabsSnapshot {
    const tabs: TabData[] = this.tabs.map((m) => {
      const st = this.stateOf(m.id);
      return {
        id: m.id,
        title: m.title,
        path: m.path,
        lang: m.lang,
        text: st?.doc.toString() ?? "",
        savedText: m.savedText,
        cursor: st?.selection.main.head ?? 0,
      };
    });
    return { tabs, activeId: this.activeId, nextNumber: this.#nextNumber, savedAt: Date.now() };
  }

  #scheduleAutosave(): void {
    if (!this.restored || !this.#autosaver) return;
    if (this.#saveTimer !== null) clearTimeout(this.#saveTimer);
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = null;
      this.#autosaver?.schedule(serializeTabs(this.snapshot()));
    }, 250);
  }

  /** Saves now (window closing, tests). */
  async flush(): Promise<void> {
    if (!this.restored || !this.#autosaver) return;
    if (this.#saveTimer !== null) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    this.#autosaver.schedule(serializeTabs(this.snapshot()));
    await this.#autosaver.flush();
  }

  describeAutosaveError(): string | null {
    const e: AppError | null = this.autosave.error;
    return e ? describeAppError(e) : null;
  }
}
