// The editor model before and after the editor (most of CodeMirror) is loaded: tabs keep
// their text, take inserts and language changes while the welcome hides the editor, and get
// the editor's extensions, with the language each tab has by then, once it loads.
import { describe, expect, test } from "vitest";
import { language } from "@codemirror/language";
import type { Backend } from "../backend/backend";
import { EditorModel } from "./editor-model.svelte";

function backendWithTabs(saved: string | null): { backend: Backend; writes: string[] } {
  const writes: string[] = [];
  const backend = {
    loadTabs: async () => saved,
    saveTabs: async (state: string) => {
      writes.push(state);
    },
  } as unknown as Backend;
  return { backend, writes };
}

async function restored(): Promise<{ model: EditorModel; writes: string[] }> {
  const model = new EditorModel();
  const { backend, writes } = backendWithTabs(null);
  await model.restore(backend, null);
  return { model, writes };
}

describe("EditorModel without the editor loaded", () => {
  test("tabs hold their text, take inserts, new tabs and language changes", async () => {
    const { model } = await restored();
    expect(model.editorLoaded).toBe(false);
    expect(model.view).toBeNull();
    const first = model.activeId!;
    expect(model.textOf(first)).toContain("import maya.cmds as cmds");
    // No editor extensions yet: no language in the state.
    expect(model.stateOf(first)!.facet(language)).toBeNull();

    const id = model.newTab("print(1)", "python");
    model.insert("\nprint(2)");
    expect(model.textOf(id)).toBe("print(1)\nprint(2)");
    expect(model.tabs.find((t) => t.id === id)!.dirty).toBe(true);
    model.setLanguage("mel", id);
    expect(model.tabs.find((t) => t.id === id)!.lang).toBe("mel");
    expect(model.jumpTo(id, 1)).toBe(false);
    expect(() => model.mount({} as HTMLElement)).toThrow(/loadEditor/);
  });

  test("the autosave snapshot has the text typed before the editor loaded", async () => {
    const { model, writes } = await restored();
    model.insert("# kept\n");
    await model.flush();
    const last = JSON.parse(writes.at(-1)!) as { tabs: Array<{ text: string }> };
    // The welcome tab's cursor is at its end: the insert lands there.
    expect(last.tabs[0]!.text.endsWith("# kept\n")).toBe(true);
  });
});

describe("EditorModel.loadEditor", () => {
  test("gives every tab the editor's extensions, with the language it has by then", async () => {
    const { model } = await restored();
    const py = model.activeId!;
    const mel = model.newTab("print -x;", "python");
    model.setLanguage("mel", mel);
    await model.loadEditor();
    expect(model.editorLoaded).toBe(true);
    expect(model.stateOf(py)!.facet(language)?.name).toBe("python");
    expect(model.stateOf(mel)!.facet(language)?.name).toBe("mel");
    expect(model.textOf(mel)).toBe("print -x;");
    // Loading twice changes nothing; a tab made afterwards has the extensions from the start.
    await model.loadEditor();
    const later = model.newTab("", "mel");
    expect(model.stateOf(later)!.facet(language)?.name).toBe("mel");
    // Language changes now swap the tab's language in place.
    model.setLanguage("python", later);
    expect(model.stateOf(later)!.facet(language)?.name).toBe("python");
  });
});
