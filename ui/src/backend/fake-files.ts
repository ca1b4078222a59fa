// The fake backend's files, dialogs and clipboard (all in memory, autosaved tabs in
// localStorage so a reload restores them), its test/benchmark hooks, and the scenarios a
// page can start with (`?fakeScenario=studio`: two Mayas with output; `demo`).
import type { AppError } from "../bindings/AppError";
import type { ConsoleLine } from "../bindings/ConsoleLine";
import type { LineKind } from "../bindings/LineKind";
import type { Backend } from "./backend";
import type { FakeMaya } from "./fake-maya";

export const FAKE_HOME = "/home/artist";
export const FAKE_TABS_KEY = "mayalink.fake.tabs";

export const FAKE_FILES: Readonly<Record<string, string>> = {
  [`${FAKE_HOME}/scripts/walk_tools.py`]: [
    "import maya.cmds as cmds",
    "",
    "def key_hips():",
    '    cmds.select("Hips")',
    "",
    'joints = cmds.ls(type="joint")',
    'print("joints:", len(joints))',
    "print(undefined_name)",
    "",
  ].join("\n"),
  [`${FAKE_HOME}/scripts/select_hips.mel`]: ['// Select the hips and key them', "select -r Hips;", 'print "Hips selected\\n";', ""].join("\n"),
};

export class FakeFiles {
  readonly files = new Map<string, string>(Object.entries(FAKE_FILES));
  /** What the next open dialog returns (null: the artist cancels). Tests set it. */
  nextOpenPath: string | null | undefined = undefined;
  /** What the next save dialog returns (undefined: the suggested path). */
  nextSavePath: string | null | undefined = undefined;
  /** The last text copied through the backend. */
  clipboard: string | null = null;
  #storage: Pick<Storage, "getItem" | "setItem"> | null;
  #memoryTabs: string | null = null;

  constructor(storage: Pick<Storage, "getItem" | "setItem"> | null) {
    this.#storage = storage;
  }

  read(path: string): string {
    const text = this.files.get(path);
    if (text === undefined) {
      throw { code: "io", message: `Could not open ${path}: No such file or directory (os error 2)` } satisfies AppError;
    }
    return text;
  }

  write(path: string, text: string): void {
    this.files.set(path, text);
  }

  takeOpenPath(): string | null {
    const next = this.nextOpenPath;
    this.nextOpenPath = undefined;
    return next === undefined ? `${FAKE_HOME}/scripts/walk_tools.py` : next;
  }

  takeSavePath(defaultPath: string): string | null {
    const next = this.nextSavePath;
    this.nextSavePath = undefined;
    if (next !== undefined) return next;
    return defaultPath.startsWith("/") ? defaultPath : `${FAKE_HOME}/scripts/${defaultPath}`;
  }

  loadTabs(): string | null {
    try {
      return this.#storage ? this.#storage.getItem(FAKE_TABS_KEY) : this.#memoryTabs;
    } catch {
      return this.#memoryTabs;
    }
  }

  saveTabs(state: string): void {
    this.#memoryTabs = state;
    try {
      this.#storage?.setItem(FAKE_TABS_KEY, state);
    } catch {
      /* kept in memory */
    }
  }
}

export interface FakeControls {
  maya: FakeMaya;
  files: FakeFiles;
  /** Delivers lines to every console subscriber, as the engine would. */
  inject(lines: ConsoleLine[]): void;
  /** Delivers `count` generated lines of one session and kind in one batch. */
  generate(count: number, session?: string, kind?: LineKind): void;
}

export type FakeScenario = "studio" | "demo";

/** Sets up sessions and output: "studio" = two Mayas, connected, with some runs done. */
export async function runFakeScenario(scenario: FakeScenario, backend: Backend, controls: FakeControls): Promise<void> {
  try {
    if (scenario === "demo") {
      await backend.startDemo();
      return;
    }
    const anim = await backend.addSession({ name: "Anim — shot 010", address: ":7001", color: "#35c9b4", autoConnect: true });
    const rig = await backend.addSession({ name: "Rigging", address: "localhost:7002", color: "#c39bff", autoConnect: true });
    await backend.connectSession(anim.id);
    await backend.connectSession(rig.id);
    await backend.run(rig.id, 'select -r Hips;\nprint "rig checked\\n";', "mel", { undoChunk: null, fileName: null });
    await backend.run(anim.id, 'import maya.cmds as cmds\nprint(cmds.ls(type="joint")[:3])\ncmds.polySphere(name="ball")', "python", {
      undoChunk: null,
      fileName: "<Script 1>",
    });
    await backend.run(anim.id, 'cmds.warning("Hips.rotateX is locked; 2 keys were skipped.")', "python", { undoChunk: null, fileName: "<Script 1>" });
    await backend.run(anim.id, "cmds.xform(jnt, query=True, worldSpace=True, translation=True)", "python", {
      undoChunk: null,
      fileName: "<Script 1>",
    });
    controls.maya.emit(anim.id, [["info", "Scene: /projects/shot_010/anim/walk_cycle_v012.ma (12 joints)"]]);
  } catch {
    /* a scenario is a convenience: a failure leaves whatever it managed */
  }
}
