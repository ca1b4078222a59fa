// The Backend over the Tauri transport: every method reaches the engine's one `api` command
// with `{ call, args }`, streams go through `api_subscribe` with a Channel each, errors come
// out as AppErrors, and dialogs and the clipboard are the Tauri plugins.
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ConsoleBatch } from "../bindings/ConsoleBatch";
import type { DoctorReport } from "../bindings/DoctorReport";
import type { Backend } from "./backend";

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

const { createTauriTransport } = await import("./tauri");
const { createBackend } = await import("./backend");

const backend = (): Backend => createBackend(createTauriTransport());

const DOCTOR: DoctorReport = {
  appVersion: "0.1.0",
  engineVersion: "0.1.0",
  os: "linux",
  arch: "x86_64",
  logDir: "/home/artist/.local/share/mayalink/logs",
  ports: [{ port: 16094, proto: "tcp", purpose: "Mosketch streaming", free: true }],
};

beforeEach(() => {
  ipc.invoke.mockReset();
  ipc.invoke.mockResolvedValue(null);
  ipc.channels.length = 0;
  plugins.open.mockReset();
  plugins.save.mockReset();
  plugins.writeText.mockReset();
});

describe("tauri transport: the command map", () => {
  const spec = { name: "Anim", address: ":7001", color: null, autoConnect: true };
  const options = { undoChunk: "Mayalink run", fileName: "<Script 1>" };
  const command = { object: "scene", command: "selectByUuid", parameters: { uuid: "u1" } };
  const pose = [{ Name: "Hips", R: [0, 0, 0, 1] as [number, number, number, number], T: [0, 1, 0] as [number, number, number] }];

  /** Each method that is one engine command: how it is called, and the `{ call, args }` it sends. */
  const commands: Array<[keyof Backend, (b: Backend) => Promise<unknown>, string, Record<string, unknown>]> = [
    ["doctor", (b) => b.doctor(), "doctor", {}],
    ["addSession", (b) => b.addSession(spec), "maya_session_add", { spec }],
    ["updateSession", (b) => b.updateSession("m1", spec), "maya_session_update", { id: "m1", spec }],
    ["removeSession", (b) => b.removeSession("m1"), "maya_session_remove", { id: "m1" }],
    ["setActiveSession", (b) => b.setActiveSession("m1"), "maya_session_set_active", { id: "m1" }],
    ["connectSession", (b) => b.connectSession("m1"), "maya_session_connect", { id: "m1" }],
    ["cleanupSession", (b) => b.cleanupSession("m1"), "maya_session_cleanup", { id: "m1" }],
    ["run", (b) => b.run("m1", "print(1)", "python", options), "maya_run", { id: "m1", code: "print(1)", lang: "python", options }],
    ["run", (b) => b.run("m1", "ls", "mel"), "maya_run", { id: "m1", code: "ls", lang: "mel" }],
    ["runAll", (b) => b.runAll("print(1)", "python", options), "maya_run_all", { code: "print(1)", lang: "python", options }],
    ["runAll", (b) => b.runAll("ls", "mel"), "maya_run_all", { code: "ls", lang: "mel" }],
    ["cancelRun", (b) => b.cancelRun("m1"), "maya_cancel", { id: "m1" }],
    ["discover", (b) => b.discover(), "maya_discover", {}],
    ["startupWarnings", (b) => b.startupWarnings(), "startup_warnings", {}],
    ["consoleHistory", (b) => b.consoleHistory("m1", 0, 500), "console_history", { session: "m1", from: 0, max: 500 }],
    ["startDemo", (b) => b.startDemo(), "demo_start", {}],
    ["readFile", (b) => b.readFile("/a.py"), "editor_read_file", { path: "/a.py" }],
    ["writeFile", (b) => b.writeFile("/a.py", "x"), "editor_write_file", { path: "/a.py", text: "x" }],
    ["loadTabs", (b) => b.loadTabs(), "editor_tabs_load", {}],
    ["saveTabs", (b) => b.saveTabs("{}"), "editor_tabs_save", { state: "{}" }],
    ["mosketchConnect", (b) => b.mosketchConnect({ host: "10.0.0.2", port: 16094 }), "mosketch_connect", { config: { host: "10.0.0.2", port: 16094 } }],
    ["mosketchConnect", (b) => b.mosketchConnect(), "mosketch_connect", {}],
    ["mosketchDisconnect", (b) => b.mosketchDisconnect(), "mosketch_disconnect", {}],
    ["mosketchSetJointSpace", (b) => b.mosketchSetJointSpace("World"), "mosketch_set_joint_space", { space: "World" }],
    ["mosketchSetOrientMode", (b) => b.mosketchSetOrientMode("discard"), "mosketch_set_orient_mode", { mode: "discard" }],
    ["mosketchSetAckSpelling", (b) => b.mosketchSetAckSpelling("HierarchyInitializedAck"), "mosketch_set_ack_spelling", { spelling: "HierarchyInitializedAck" }],
    ["mosketchSendCommand", (b) => b.mosketchSendCommand(command), "mosketch_send_command", { command }],
    ["mosketchCommandPresets", (b) => b.mosketchCommandPresets(), "mosketch_command_presets", {}],
    ["mosketchSendPose", (b) => b.mosketchSendPose(pose), "mosketch_send_pose", { joints: pose }],
    ["skeletonFromMaya", (b) => b.skeletonFromMaya("s1", ["Hips"]), "skeleton_from_maya", { session: "s1", names: ["Hips"] }],
    ["skeletonLoadFile", (b) => b.skeletonLoadFile("/x/walk.bvh"), "skeleton_load_file", { path: "/x/walk.bvh" }],
    ["linkStart", (b) => b.linkStart(["m1", "m2"]), "link_start", { sessions: ["m1", "m2"] }],
    ["linkStop", (b) => b.linkStop(), "link_stop", {}],
    ["linkFollow", (b) => b.linkFollow(1, true), "link_follow", { maya: 1, on: true }],
    ["linkSendMayaPose", (b) => b.linkSendMayaPose(0), "link_send_maya_pose", { maya: 0 }],
    ["linkSetOverride", (b) => b.linkSetOverride(0, "Hips", { node: "|rig|Hips" }), "link_set_override", { maya: 0, mosketch: "Hips", node: "|rig|Hips" }],
    ["linkSetOverride", (b) => b.linkSetOverride(0, "Hips", { node: null }), "link_set_override", { maya: 0, mosketch: "Hips" }],
    ["linkSetOverride", (b) => b.linkSetOverride(0, "Hips", { clear: true }), "link_set_override", { maya: 0, mosketch: "Hips", clear: true }],
    ["linkExportOverrides", (b) => b.linkExportOverrides(0, "/m/map.json"), "link_export_overrides", { maya: 0, path: "/m/map.json" }],
    ["linkImportOverrides", (b) => b.linkImportOverrides(0, "/m/map.json"), "link_import_overrides", { maya: 0, path: "/m/map.json" }],
  ];

  it.each(commands.map(([method, invoke, call, args]) => ({ method, invoke, call, args })))(
    "$method invokes `api` with { call: $call }",
    async ({ invoke, call, args }) => {
      await invoke(backend());
      expect(ipc.invoke.mock.calls).toEqual([["api", { call, args }]]);
    },
  );

  it("covers every Backend method (commands here, streams and platform calls below)", () => {
    const elsewhere = [
      "kind",
      "openLogFolder",
      "subscribeConsole",
      "subscribeSessions",
      "subscribeMosketch",
      "subscribeLink",
      "pickOpenFile",
      "pickSaveFile",
      "writeClipboard",
      "pickSkeletonFile",
      "updates",
    ];
    const tested = new Set([...commands.map(([method]) => method), ...elsewhere]);
    expect(Object.keys(backend()).filter((k) => !tested.has(k as keyof Backend))).toEqual([]);
  });

  it("is kind `tauri` and returns the command's result", async () => {
    ipc.invoke.mockResolvedValue(DOCTOR);
    const b = backend();
    expect(b.kind).toBe("tauri");
    await expect(b.doctor()).resolves.toEqual(DOCTOR);
  });

  it("updates go to the shell's own update_* commands; the download's progress comes through a Channel", async () => {
    const u = backend().updates;
    if (!u) throw new Error("the desktop app has an update channel");
    await u.check();
    await u.install();
    await u.settings();
    await u.setSettings({ checkAtStart: false });
    expect(ipc.invoke.mock.calls).toEqual([
      ["update_check", undefined],
      ["update_install", undefined],
      ["update_settings_get", undefined],
      ["update_settings_set", { settings: { checkAtStart: false } }],
    ]);
    ipc.invoke.mockReset();
    ipc.invoke.mockImplementation(async () => {
      const channel = ipc.channels[0];
      if (!channel) throw new Error("update_download was invoked without a Channel");
      channel.onmessage({ downloaded: 10, total: 20 });
      return { version: "0.9.0", bytes: 20 };
    });
    const seen: unknown[] = [];
    await expect(u.download((p) => seen.push(p))).resolves.toEqual({ version: "0.9.0", bytes: 20 });
    expect(ipc.invoke.mock.calls).toEqual([["update_download", { onProgress: ipc.channels[0] }]]);
    expect(seen).toEqual([{ downloaded: 10, total: 20 }]);
    ipc.invoke.mockRejectedValue("network down");
    await expect(u.check()).rejects.toEqual({ code: "internal", message: "network down" });
  });

  it("openLogFolder asks the engine for the log folder, then invokes `open_log_folder`", async () => {
    ipc.invoke.mockImplementation(async (cmd) => (cmd === "api" ? DOCTOR : null));
    await backend().openLogFolder();
    expect(ipc.invoke.mock.calls).toEqual([
      ["api", { call: "doctor", args: {} }],
      ["open_log_folder", undefined],
    ]);
  });

  it("passes AppError rejections through unchanged", async () => {
    ipc.invoke.mockRejectedValue({ code: "io", message: "no file manager" });
    await expect(backend().doctor()).rejects.toEqual({ code: "io", message: "no file manager" });
    ipc.invoke.mockImplementation(async (cmd) => {
      if (cmd === "api") return DOCTOR;
      throw { code: "io", message: "no file manager" };
    });
    await expect(backend().openLogFolder()).rejects.toEqual({ code: "io", message: "no file manager" });
  });

  it("normalises other rejections into { code: internal }", async () => {
    ipc.invoke.mockRejectedValueOnce("unknown command: doctr");
    await expect(backend().doctor()).rejects.toEqual({ code: "internal", message: "unknown command: doctr" });
    ipc.invoke.mockRejectedValueOnce(new Error("ipc broke"));
    await expect(backend().run("m1", "x", "python")).rejects.toEqual({ code: "internal", message: "ipc broke" });
    ipc.invoke.mockRejectedValueOnce({ code: "not-a-code", message: "x" });
    await expect(backend().doctor()).rejects.toMatchObject({ code: "internal" });
  });
});

describe("tauri transport: streams", () => {
  it("subscribeConsole hands a Channel to `api_subscribe` and forwards its messages until unsubscribed", async () => {
    const received: ConsoleBatch[] = [];
    const unsubscribe = await backend().subscribeConsole((b) => received.push(b));

    expect(ipc.channels).toHaveLength(1);
    const channel = ipc.channels[0]!;
    expect(ipc.invoke.mock.calls).toEqual([["api_subscribe", { stream: "console", onMessage: channel }]]);

    const batch: ConsoleBatch = { lines: [{ session: "app", kind: "notice", text: "hi", timeMs: 1 }] };
    channel.onmessage(batch);
    expect(received).toEqual([batch]);

    unsubscribe();
    unsubscribe(); // harmless twice
    channel.onmessage(batch);
    expect(received).toHaveLength(1);
  });

  it("subscribeSessions uses the `sessions` stream", async () => {
    const lists: unknown[] = [];
    const stop = await backend().subscribeSessions((l) => lists.push(l));
    const channel = ipc.channels[0]!;
    expect(ipc.invoke).toHaveBeenCalledWith("api_subscribe", { stream: "sessions", onMessage: channel });
    channel.onmessage([]);
    stop();
    channel.onmessage([]);
    expect(lists).toEqual([[]]);
  });

  it("subscribeMosketch opens the status, hierarchy and pose streams and stops all three", async () => {
    const statuses: unknown[] = [];
    const hierarchies: unknown[] = [];
    const poses: unknown[] = [];
    const stop = await backend().subscribeMosketch({
      onStatus: (s) => statuses.push(s),
      onHierarchy: (h) => hierarchies.push(h),
      onPose: (p) => poses.push(p),
    });
    expect(ipc.channels).toHaveLength(3);
    const [status, hierarchy, pose] = ipc.channels;
    expect(ipc.invoke.mock.calls).toEqual([
      ["api_subscribe", { stream: "mosketch_status", onMessage: status }],
      ["api_subscribe", { stream: "mosketch_hierarchy", onMessage: hierarchy }],
      ["api_subscribe", { stream: "mosketch_pose", onMessage: pose }],
    ]);
    status!.onmessage(null);
    hierarchy!.onmessage({ id: 1, joints: ["Hips"], skeleton: null });
    pose!.onmessage({ hierarchyId: 1, frame: 1 });
    expect(statuses).toEqual([null]);
    expect(hierarchies).toEqual([{ id: 1, joints: ["Hips"], skeleton: null }]);
    expect(poses).toEqual([{ hierarchyId: 1, frame: 1 }]);
    stop();
    status!.onmessage(null);
    hierarchy!.onmessage(null);
    pose!.onmessage({ hierarchyId: 1, frame: 2 });
    expect([statuses.length, hierarchies.length, poses.length]).toEqual([1, 1, 1]);
  });

  it("subscribeLink uses the `link` stream", async () => {
    const views: unknown[] = [];
    const stop = await backend().subscribeLink((v) => views.push(v));
    const channel = ipc.channels[0]!;
    expect(ipc.invoke.mock.calls).toEqual([["api_subscribe", { stream: "link", onMessage: channel }]]);
    const idle = { running: false, sessions: [], mayas: [] };
    channel.onmessage(idle);
    stop();
    channel.onmessage(idle);
    expect(views).toEqual([idle]);
  });

  it("a stream the engine refuses rejects with an AppError", async () => {
    ipc.invoke.mockRejectedValueOnce({ code: "internal", message: "engine not ready" });
    await expect(backend().subscribeConsole(() => {})).rejects.toEqual({ code: "internal", message: "engine not ready" });
    ipc.invoke.mockRejectedValueOnce("no such stream");
    await expect(backend().subscribeSessions(() => {})).rejects.toEqual({ code: "internal", message: "no such stream" });
  });
});

describe("tauri transport: dialogs and clipboard", () => {
  it("uses the dialog and clipboard plugins", async () => {
    const b = backend();
    plugins.open.mockResolvedValueOnce("/s/a.py").mockResolvedValueOnce(null);
    expect(await b.pickOpenFile([{ name: "Python", extensions: ["py"] }])).toBe("/s/a.py");
    expect(plugins.open).toHaveBeenCalledWith({ multiple: false, directory: false, filters: [{ name: "Python", extensions: ["py"] }] });
    expect(await b.pickOpenFile([])).toBeNull();
    plugins.save.mockResolvedValueOnce("/s/b.py").mockResolvedValueOnce(null);
    expect(await b.pickSaveFile("b.py", [])).toBe("/s/b.py");
    expect(plugins.save).toHaveBeenCalledWith({ defaultPath: "b.py", filters: [] });
    expect(await b.pickSaveFile("c.py", [])).toBeNull();
    plugins.writeText.mockResolvedValueOnce();
    await b.writeClipboard("hello");
    expect(plugins.writeText).toHaveBeenCalledWith("hello");
    plugins.writeText.mockRejectedValueOnce("denied");
    await expect(b.writeClipboard("x")).rejects.toEqual({ code: "internal", message: "denied" });
    expect(ipc.invoke).not.toHaveBeenCalled();
  });

  it("pickSkeletonFile opens the dialog for JSON or BVH; cancel is null; errors are AppErrors", async () => {
    plugins.open.mockResolvedValueOnce("/home/a/walk.bvh");
    await expect(backend().pickSkeletonFile()).resolves.toBe("/home/a/walk.bvh");
    const options = plugins.open.mock.calls[0]![0] as { title: string; filters: Array<{ extensions: string[] }> };
    expect(options.filters[0]!.extensions).toEqual(["json", "bvh"]);
    expect(options.title).toBe("Load a skeleton");
    plugins.open.mockResolvedValueOnce(null);
    await expect(backend().pickSkeletonFile()).resolves.toBeNull();
    plugins.open.mockRejectedValueOnce(new Error("no portal"));
    await expect(backend().pickSkeletonFile()).rejects.toEqual({ code: "internal", message: "no portal" });
  });
});
