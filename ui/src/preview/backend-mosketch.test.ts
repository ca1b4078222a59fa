// The Mosketch methods of the Tauri backend (command names and argument keys, the three
// Channels, the skeleton file dialog), and the preview's MosketchLink state over the fake.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MosketchStatus } from "../bindings/MosketchStatus";
import type { PoseSnapshot } from "../bindings/PoseSnapshot";
import { createFakeBackend, fakeControls, fakeMosketch } from "../backend/fake";
import { FAKE_SKELETON_JSON } from "../backend/fake-mosketch";
import { MosketchLink } from "./mosketch-link.svelte";

const ipc = vi.hoisted(() => ({
  invoke: vi.fn<(cmd: string, args?: Record<string, unknown>) => Promise<unknown>>(),
  channels: [] as Array<{ onmessage: (m: unknown) => void }>,
  open: vi.fn<(options: unknown) => Promise<unknown>>(),
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
vi.mock("@tauri-apps/plugin-dialog", () => ({ open: ipc.open, save: vi.fn() }));

const { createTauriBackend } = await import("../backend/tauri");

describe("tauri backend: Mosketch commands", () => {
  beforeEach(() => {
    ipc.invoke.mockReset();
    ipc.invoke.mockResolvedValue(null);
    ipc.channels.length = 0;
    ipc.open.mockReset();
  });

  it("maps every method to its Rust command with camelCase argument keys", async () => {
    const b = createTauriBackend();
    await b.mosketchConnect({ host: "10.0.0.2", port: 16094 });
    await b.mosketchConnect();
    await b.mosketchDisconnect();
    await b.mosketchSetJointSpace("World");
    await b.mosketchSetOrientMode("discard");
    await b.mosketchSetAckSpelling("HierarchyInitializedAck");
    const command = { object: "scene", command: "selectByUuid", parameters: { uuid: "u1" } };
    await b.mosketchSendCommand(command);
    await b.mosketchCommandPresets();
    await b.mosketchSendPose([{ Name: "Hips", R: [0, 0, 0, 1], T: [0, 1, 0] }]);
    await b.skeletonFromMaya("s1", ["Hips"]);
    await b.skeletonLoadFile("/x/walk.bvh");
    expect(ipc.invoke.mock.calls).toEqual([
      ["mosketch_connect", { config: { host: "10.0.0.2", port: 16094 } }],
      ["mosketch_connect", { config: null }],
      ["mosketch_disconnect", undefined],
      ["mosketch_set_joint_space", { space: "World" }],
      ["mosketch_set_orient_mode", { mode: "discard" }],
      ["mosketch_set_ack_spelling", { spelling: "HierarchyInitializedAck" }],
      ["mosketch_send_command", { command }],
      ["mosketch_command_presets", undefined],
      ["mosketch_send_pose", { joints: [{ Name: "Hips", R: [0, 0, 0, 1], T: [0, 1, 0] }] }],
      ["skeleton_from_maya", { session: "s1", names: ["Hips"] }],
      ["skeleton_load_file", { path: "/x/walk.bvh" }],
    ]);
  });

  it("subscribeMosketch sends three Channels and forwards them until unsubscribed", async () => {
    const statuses: unknown[] = [];
    const hierarchies: unknown[] = [];
    const poses: unknown[] = [];
    const stop = await createTauriBackend().subscribeMosketch({
      onStatus: (s) => statuses.push(s),
      onHierarchy: (h) => hierarchies.push(h),
      onPose: (p) => poses.push(p),
    });
    expect(ipc.channels).toHaveLength(3);
    const [onStatus, onHierarchy, onPose] = ipc.channels;
    expect(ipc.invoke).toHaveBeenCalledWith("mosketch_subscribe", { onStatus, onHierarchy, onPose });
    onStatus!.onmessage(null);
    onHierarchy!.onmessage({ id: 1, joints: ["Hips"], skeleton: null });
    onPose!.onmessage({ frame: 1 });
    expect(statuses).toEqual([null]);
    expect(hierarchies).toHaveLength(1);
    expect(poses).toEqual([{ frame: 1 }]);
    stop();
    onPose!.onmessage({ frame: 2 });
    expect(poses).toHaveLength(1);
  });

  it("pickSkeletonFile opens the dialog for JSON or BVH; cancel is null; errors are AppErrors", async () => {
    ipc.open.mockResolvedValueOnce("/home/a/walk.bvh");
    await expect(createTauriBackend().pickSkeletonFile()).resolves.toBe("/home/a/walk.bvh");
    const options = ipc.open.mock.calls[0]![0] as { filters: Array<{ extensions: string[] }> };
    expect(options.filters[0]!.extensions).toEqual(["json", "bvh"]);
    ipc.open.mockResolvedValueOnce(null);
    await expect(createTauriBackend().pickSkeletonFile()).resolves.toBeNull();
    ipc.open.mockRejectedValueOnce(new Error("no portal"));
    await expect(createTauriBackend().pickSkeletonFile()).rejects.toEqual({ code: "internal", message: "no portal" });
  });
});

describe("MosketchLink over the fake backend", () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => vi.useRealTimers());

  async function attached(options: Parameters<typeof createFakeBackend>[0] = {}) {
    const backend = createFakeBackend({ latencyMs: 0, storage: null, ...options });
    const link = new MosketchLink();
    const attaching = link.attach(backend);
    await vi.advanceTimersByTimeAsync(5);
    await attaching;
    return { backend, link, fake: fakeMosketch(backend)! };
  }

  it("follows the streams: status, hierarchy, the skeleton choice, poses to listeners and a throttled panel copy", async () => {
    const { link, fake } = await attached();
    expect(link.status).toBeNull();
    expect(link.presets).toHaveLength(6);
    const seen: Array<PoseSnapshot | null> = [];
    link.onPose((p) => seen.push(p));
    const connecting = link.connect("127.0.0.1:16094");
    await vi.advanceTimersByTimeAsync(1000);
    expect(await connecting).toBe(true);
    expect(link.status?.connection.kind).toBe("streaming");
    expect(link.choice.kind).toBe("hierarchy");
    expect(link.skeleton?.joints).toHaveLength(65);
    const delivered = seen.filter((p) => p !== null).length;
    expect(delivered).toBeGreaterThan(20);
    expect(delivered).toBeLessThanOrEqual(1000 / 16 + 1);
    expect(link.pose?.frame).toBeGreaterThan(40);
    expect(link.panelPose).not.toBeNull();
    expect(link.pose!.frame - link.panelPose!.frame).toBeLessThan(12);
    fake.dispose();
  });

  it("acts: joint space, rest pose (rest orients + root offset) and a preset with the picked joint's uuid", async () => {
    const { link, fake } = await attached();
    void link.connect();
    await vi.advanceTimersByTimeAsync(600);
    const spaced = link.setJointSpace("ParentInWorld");
    await vi.advanceTimersByTimeAsync(5);
    expect(await spaced).toBe(true);
    expect(link.notice).toMatch(/ParentInWorld/);
    await vi.advanceTimersByTimeAsync(300);
    expect(link.status?.jointSpace).toBe("ParentInWorld");

    const reset = link.resetPose();
    await vi.advanceTimersByTimeAsync(5);
    expect(await reset).toBe(true);
    const sent = fake.poses[0]!;
    expect(sent).toHaveLength(65);
    expect(sent[0]).toEqual({ Name: "Hips", R: [0, 0, 0, 1], T: [0, 1, 0] });
    expect(sent[1]).toEqual({ Name: "Spine", R: [0, 0, 0, 1] });

    const select = link.presets.find((p) => p.id === "selectByUuid")!;
    expect(await link.sendPreset(select)).toBe(false);
    expect(link.actionError).toMatch(/Pick a joint first/);
    link.selected = "LeftArm";
    const sending = link.sendPreset(select);
    await vi.advanceTimersByTimeAsync(5);
    expect(await sending).toBe(true);
    const last = fake.commands[fake.commands.length - 1]!;
    expect(last.command).toBe("selectByUuid");
    expect(last.parameters.uuid).toBe(link.pose!.joints.find((j) => j.name === "LeftArm")!.uuid);
    fake.dispose();
  });

  it("without a Hierarchy skeleton: none, then Maya (auto-query once), or a file", async () => {
    const { backend, link, fake } = await attached({ mosketch: { sendSkeleton: false } });
    void link.connect();
    await vi.advanceTimersByTimeAsync(600);
    expect(link.choice).toEqual({ kind: "none", mismatch: false });
    // No Maya connected: the query fails with a message, and is not retried on its own.
    link.maybeAutoQuery("nope");
    await vi.advanceTimersByTimeAsync(200);
    expect(link.skeletonError).toMatch(/not connected/);
    // A connected Maya (the demo's).
    const demo = backend.startDemo();
    await vi.advanceTimersByTimeAsync(1500);
    await demo;
    const id = fakeControls(backend)!.maya.list()[0]!.id;
    link.maybeAutoQuery(id, "Demo Maya");
    await vi.advanceTimersByTimeAsync(200);
    expect(link.choice.kind).toBe("loaded");
    expect(link.skeleton?.source).toBe("maya");
    expect(link.loadedFrom).toBe("Demo Maya");
    link.clearLoaded();
    link.maybeAutoQuery(id, "Demo Maya");
    expect(link.skeletonBusy).toBeNull(); // tried already for this hierarchy
    const loading = link.loadFile(FAKE_SKELETON_JSON);
    await vi.advanceTimersByTimeAsync(5);
    expect(await loading).toBe(true);
    expect(link.skeleton?.source).toBe("file");
    expect(link.loadedFrom).toBe("mixamo_humanoid.json");
    fake.dispose();
  });

  it("rejects a bad address without calling the backend; a refused one shows reconnecting", async () => {
    const { link, fake } = await attached();
    expect(await link.connect("a b c")).toBe(false);
    expect(link.actionError).toMatch(/not an address/);
    void link.connect(":80");
    await vi.advanceTimersByTimeAsync(100);
    const s = link.status as MosketchStatus;
    expect(s.connection.kind).toBe("reconnecting");
    expect(s.lastError?.message).toMatch(/enable streaming in Mosketch/);
    fake.dispose();
  });
});
