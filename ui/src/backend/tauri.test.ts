import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ConsoleBatch } from "../bindings/ConsoleBatch";
import { FAKE_DOCTOR_REPORT } from "./fake";

// A stand-in for Tauri's IPC: records invokes and lets a test push messages into channels.
const ipc = vi.hoisted(() => ({
  invoke: vi.fn<(cmd: string, args?: Record<string, unknown>) => Promise<unknown>>(),
  channels: [] as Array<{ onmessage: (m: unknown) => void }>,
}));

vi.mock("@tauri-apps/api/core", () => ({
  invoke: ipc.invoke,
  Channel: class {
    onmessage: (m: unknown) => void = () => {};
    constructor() {
      ipc.channels.push(this);
    }
  },
}));

const plugins = vi.hoisted(() => ({
  open: vi.fn<(o: unknown) => Promise<unknown>>(),
  save: vi.fn<(o: unknown) => Promise<unknown>>(),
  writeText: vi.fn<(t: string) => Promise<void>>(),
}));
vi.mock("@tauri-apps/plugin-dialog", () => ({ open: plugins.open, save: plugins.save }));
vi.mock("@tauri-apps/plugin-clipboard-manager", () => ({ writeText: plugins.writeText }));

const { createTauriBackend } = await import("./tauri");

beforeEach(() => {
  ipc.invoke.mockReset();
  ipc.channels.length = 0;
});

describe("tauri backend", () => {
  it("doctor invokes the `doctor` command and returns its report", async () => {
    ipc.invoke.mockResolvedValue(FAKE_DOCTOR_REPORT);
    await expect(createTauriBackend().doctor()).resolves.toEqual(FAKE_DOCTOR_REPORT);
    expect(ipc.invoke).toHaveBeenCalledWith("doctor", undefined);
  });

  it("openLogFolder invokes `open_log_folder`", async () => {
    ipc.invoke.mockResolvedValue(null);
    await createTauriBackend().openLogFolder();
    expect(ipc.invoke).toHaveBeenCalledWith("open_log_folder", undefined);
  });

  it("passes AppError rejections through unchanged", async () => {
    ipc.invoke.mockRejectedValue({ code: "io", message: "no file manager" });
    await expect(createTauriBackend().openLogFolder()).rejects.toEqual({ code: "io", message: "no file manager" });
  });

  it("normalises other rejections into { code: internal }", async () => {
    ipc.invoke.mockRejectedValueOnce("command doctor not found");
    await expect(createTauriBackend().doctor()).rejects.toEqual({ code: "internal", message: "command doctor not found" });
    ipc.invoke.mockRejectedValueOnce(new Error("ipc broke"));
    await expect(createTauriBackend().doctor()).rejects.toEqual({ code: "internal", message: "ipc broke" });
    ipc.invoke.mockRejectedValueOnce({ code: "not-a-code", message: "x" });
    await expect(createTauriBackend().doctor()).rejects.toMatchObject({ code: "internal" });
  });

  it("subscribeConsole sends a Channel as `onBatch` to `console_subscribe` and forwards its messages", async () => {
    ipc.invoke.mockResolvedValue(null);
    const received: ConsoleBatch[] = [];
    const unsubscribe = await createTauriBackend().subscribeConsole((b) => received.push(b));

    expect(ipc.channels).toHaveLength(1);
    const channel = ipc.channels[0]!;
    expect(ipc.invoke).toHaveBeenCalledWith("console_subscribe", { onBatch: channel });

    const batch: ConsoleBatch = { lines: [{ session: "app", kind: "notice", text: "hi", timeMs: 1 }] };
    channel.onmessage(batch);
    expect(received).toEqual([batch]);

    unsubscribe();
    channel.onmessage(batch);
    expect(received).toHaveLength(1);
  });

  it("subscribeConsole rejects with an AppError when the command fails", async () => {
    ipc.invoke.mockRejectedValue({ code: "internal", message: "engine not ready" });
    await expect(createTauriBackend().subscribeConsole(() => {})).rejects.toEqual({
      code: "internal",
      message: "engine not ready",
    });
  });
});

describe("tauri backend: sessions, runs, files", () => {
  const spec = { name: "Anim", address: ":7001", color: null, autoConnect: true };
  const options = { undoChunk: "Mayalink run", fileName: "<Script 1>" };

  it("invokes each workspace command with camelCase args (Tauri maps them to snake_case)", async () => {
    ipc.invoke.mockResolvedValue(null);
    const b = createTauriBackend();
    const calls: Array<[Promise<unknown>, string, unknown]> = [
      [b.addSession(spec), "maya_session_add", { spec }],
      [b.updateSession("m1", spec), "maya_session_update", { id: "m1", spec }],
      [b.removeSession("m1"), "maya_session_remove", { id: "m1" }],
      [b.setActiveSession("m1"), "maya_session_set_active", { id: "m1" }],
      [b.connectSession("m1"), "maya_session_connect", { id: "m1" }],
      [b.cleanupSession("m1"), "maya_session_cleanup", { id: "m1" }],
      [b.run("m1", "print(1)", "python", options), "maya_run", { id: "m1", code: "print(1)", lang: "python", options }],
      [b.run("m1", "ls", "mel"), "maya_run", { id: "m1", code: "ls", lang: "mel", options: null }],
      [b.runAll("print(1)", "python", options), "maya_run_all", { code: "print(1)", lang: "python", options }],
      [b.cancelRun("m1"), "maya_cancel", { id: "m1" }],
      [b.discover(), "maya_discover", { pattern: null }],
      [b.consoleHistory("m1", 0, 500), "console_history", { session: "m1", from: 0, max: 500 }],
      [b.readFile("/a.py"), "editor_read_file", { path: "/a.py" }],
      [b.writeFile("/a.py", "x"), "editor_write_file", { path: "/a.py", text: "x" }],
      [b.loadTabs(), "editor_tabs_load", undefined],
      [b.saveTabs("{}"), "editor_tabs_save", { state: "{}" }],
      [b.startDemo(), "demo_start", undefined],
    ];
    for (const [promise, command, args] of calls) {
      await promise;
      expect(ipc.invoke).toHaveBeenCalledWith(command, args);
    }
  });

  it("subscribeSessions hands a Channel as `onUpdate` and forwards the lists", async () => {
    ipc.invoke.mockResolvedValue(null);
    const lists: unknown[] = [];
    const stop = await createTauriBackend().subscribeSessions((l) => lists.push(l));
    const channel = ipc.channels[0]!;
    expect(ipc.invoke).toHaveBeenCalledWith("maya_sessions_subscribe", { onUpdate: channel });
    channel.onmessage([]);
    stop();
    channel.onmessage([]);
    expect(lists).toEqual([[]]);
  });

  it("uses the dialog and clipboard plugins", async () => {
    const b = createTauriBackend();
    plugins.open.mockResolvedValueOnce("/s/a.py").mockResolvedValueOnce(null);
    expect(await b.pickOpenFile([{ name: "Python", extensions: ["py"] }])).toBe("/s/a.py");
    expect(plugins.open).toHaveBeenCalledWith({ multiple: false, directory: false, filters: [{ name: "Python", extensions: ["py"] }] });
    expect(await b.pickOpenFile([])).toBeNull();
    plugins.save.mockResolvedValueOnce("/s/b.py");
    expect(await b.pickSaveFile("b.py", [])).toBe("/s/b.py");
    expect(plugins.save).toHaveBeenCalledWith({ defaultPath: "b.py", filters: [] });
    plugins.writeText.mockResolvedValueOnce();
    await b.writeClipboard("hello");
    expect(plugins.writeText).toHaveBeenCalledWith("hello");
    plugins.writeText.mockRejectedValueOnce("denied");
    await expect(b.writeClipboard("x")).rejects.toEqual({ code: "internal", message: "denied" });
  });
});
