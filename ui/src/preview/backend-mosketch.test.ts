// The preview's MosketchLink state over the real Backend (`createBackend`) and a recording
// transport: each test pushes the few stream messages it needs (shaped like the engine's
// bindings) and checks the link's state and the commands it sends. How the real engine and
// Mosketch behave is the browser tier's business (it runs `mayalink serve`).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createBackend } from "../backend/backend";
import type { Args, Command, Stream, StreamMessage, Transport } from "../backend/transport";
import type { CommandPreset } from "../bindings/CommandPreset";
import type { ConnectionState } from "../bindings/ConnectionState";
import type { MosketchHierarchy } from "../bindings/MosketchHierarchy";
import type { MosketchStatus } from "../bindings/MosketchStatus";
import type { PoseSnapshot } from "../bindings/PoseSnapshot";
import type { Skeleton } from "../bindings/Skeleton";
import type { StreamStats } from "../bindings/StreamStats";
import { MosketchLink } from "./mosketch-link.svelte";

// ---- Messages as the engine would send them ------------------------------------------------

const NAMES = ["Hips", "Spine", "LeftArm"];

const STATS: StreamStats = {
  frames: 0,
  framesPerSecond: 0,
  ackLatencyP50Us: null,
  ackLatencyP99Us: null,
  ackLatencySamples: 0,
  lastFrameAgeMs: null,
  partial: 0,
  malformed: 0,
  unknown: 0,
  reconnects: 0,
  lastUnknownType: null,
  lastMalformed: null,
};

const status = (connection: ConnectionState, more: Partial<MosketchStatus> = {}): MosketchStatus => ({
  address: "127.0.0.1:16094",
  connection,
  ackSpelling: "AckHierarchyInitialized",
  jointSpace: "Parent",
  orientMode: "keep",
  hierarchyId: 1,
  jointCount: NAMES.length,
  hasSkeleton: true,
  stats: STATS,
  warning: null,
  lastError: null,
  ...more,
});

const skeleton = (source: Skeleton["source"], names = NAMES): Skeleton => ({
  source,
  joints: names.map((name, i) => ({
    name,
    parent: i === 0 ? null : i - 1,
    offset: i === 0 ? [0, 1, 0] : [0, 0.1, 0],
    orient: i === 1 ? [0, 0, 0.6, 0.8] : [0, 0, 0, 1],
  })),
});

const hierarchy = (id: number, sk: Skeleton | null, joints = NAMES): MosketchHierarchy => ({ id, joints, skeleton: sk });

const pose = (hierarchyId: number, frame: number): PoseSnapshot => ({
  hierarchyId,
  frame,
  timeMs: 1_700_000_000_000 + frame,
  joints: NAMES.map((name, i) => ({
    name,
    uuid: `uuid-${name}`,
    anatom: i === 0 ? 7 : 5,
    r: [0, 0, 0, 1],
    t: i === 0 ? [0, 1, 0] : null,
    lastFrame: frame,
  })),
  stats: STATS,
});

const PRESETS: CommandPreset[] = [
  {
    id: "selectByUuid",
    label: "Select joint",
    description: "Selects the picked joint in Mosketch",
    template: { object: "scene", command: "selectByUuid", parameters: { uuid: "{uuid}" } },
    needsUuid: true,
  },
  { id: "undo", label: "Undo", description: "Undo in Mosketch", template: { object: "scene", command: "undo", parameters: {} }, needsUuid: false },
];

// ---- A transport that records calls and lets the test push stream messages ---------------

type Replies = { [K in Command]?: (args: Args<K>) => unknown };

function recordingTransport(replies: Replies = {}) {
  const calls: Array<[Command, unknown]> = [];
  const handlers = new Map<Stream, Set<(message: never) => void>>();
  const unsubscribed: Stream[] = [];
  const picks: Array<string | null> = [];
  const transport: Transport = {
    kind: "browser",
    async call(command, args) {
      calls.push([command, args]);
      const reply = (replies as Record<string, ((a: unknown) => unknown) | undefined>)[command];
      return (reply ? await reply(args) : null) as never;
    },
    async subscribe(stream, onMessage) {
      const set = handlers.get(stream) ?? new Set();
      handlers.set(stream, set);
      set.add(onMessage as (message: never) => void);
      return () => {
        if (set.delete(onMessage as (message: never) => void)) unsubscribed.push(stream);
      };
    },
    openLogFolder: async () => {},
    pickOpenFile: async (filters, title) => {
      picks.push(`${title}: ${filters.map((f) => f.extensions.join(",")).join(" | ")}`);
      return null;
    },
    pickSaveFile: async () => null,
    writeClipboard: async () => {},
    updates: null,
  };
  return {
    transport,
    calls,
    unsubscribed,
    picks,
    /** Calls other than the presets the link asks for when it attaches. */
    actions: () => calls.filter(([c]) => c !== "mosketch_command_presets"),
    push<S extends Stream>(stream: S, message: StreamMessage<S>) {
      for (const h of handlers.get(stream) ?? []) (h as (m: StreamMessage<S>) => void)(message);
    },
  };
}

/** A reply the test settles by hand (to see the link while a call is in flight). */
function deferred() {
  let settle!: { resolve(v: unknown): void; reject(e: unknown): void };
  const promise = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
  return { promise, ...settle };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

async function attached(replies: Replies = {}) {
  const t = recordingTransport({ mosketch_command_presets: () => PRESETS, ...replies });
  const link = new MosketchLink();
  await link.attach(createBackend(t.transport));
  await settle();
  return { ...t, link };
}

beforeEach(() => vi.useFakeTimers({ now: 1_700_000_000_000 }));
afterEach(() => vi.useRealTimers());

describe("MosketchLink: the streams", () => {
  it("subscribes to status, hierarchy and pose, loads the command presets, and stops on detach", async () => {
    const { link, calls, unsubscribed, push } = await attached();
    expect(calls).toEqual([["mosketch_command_presets", {}]]);
    expect(link.presets).toEqual(PRESETS);
    expect(link.status).toBeNull();
    expect(link.connected).toBe(false);

    link.detach();
    expect(unsubscribed.sort()).toEqual(["mosketch_hierarchy", "mosketch_pose", "mosketch_status"]);
    push("mosketch_status", status({ kind: "streaming" }));
    expect(link.status).toBeNull();
  });

  it("shows the status, takes the first status's address, and ticks a countdown only while reconnecting", async () => {
    const { link, push } = await attached();
    push("mosketch_status", status({ kind: "connecting" }, { address: "10.0.0.2:16094" }));
    expect(link.address).toBe("10.0.0.2:16094");
    expect(link.connected).toBe(true);
    expect(link.connection).toEqual({ kind: "connecting" });

    const lastError = { code: "unreachable" as const, message: "Mosketch at 10.0.0.2:16094 is not reachable" };
    push("mosketch_status", status({ kind: "reconnecting", inMs: 2000 }, { address: "10.0.0.2:16094", lastError }));
    expect(link.status?.lastError).toEqual(lastError);
    const at = link.now;
    await vi.advanceTimersByTimeAsync(300);
    expect(link.now).toBeGreaterThanOrEqual(at + 300);

    push("mosketch_status", status({ kind: "streaming" }, { address: "10.0.0.2:16094" }));
    const streamingAt = link.now;
    await vi.advanceTimersByTimeAsync(300);
    expect(link.now).toBe(streamingAt);

    push("mosketch_status", null);
    expect(link.status).toBeNull();
    expect(link.connected).toBe(false);
  });

  it("ages the last frame itself while the engine is quiet (a paused stream sends no status)", async () => {
    const { link, push } = await attached();
    push("mosketch_status", status({ kind: "streaming" }, { stats: { ...STATS, frames: 3, lastFrameAgeMs: 1200 } }));
    expect(link.lastFrameAgeMs).toBe(1200);
    await vi.advanceTimersByTimeAsync(2000);
    expect(link.lastFrameAgeMs).toBe(3200);

    push("mosketch_status", status({ kind: "streaming" }, { stats: { ...STATS, frames: 4, lastFrameAgeMs: 40 } }));
    expect(link.lastFrameAgeMs).toBe(40);
    push("mosketch_status", status({ kind: "disconnected" }, { stats: { ...STATS, frames: 4, lastFrameAgeMs: 40 } }));
    const at = link.now;
    await vi.advanceTimersByTimeAsync(1000);
    expect(link.now, "no ticking once disconnected").toBe(at);
  });

  it("draws the Hierarchy's own skeleton; hands every pose to listeners and a throttled copy to the panel", async () => {
    const { link, push } = await attached();
    push("mosketch_hierarchy", hierarchy(1, skeleton("simulator")));
    expect(link.choice).toMatchObject({ kind: "hierarchy", matched: 3 });
    expect(link.skeleton?.source).toBe("simulator");

    const seen: Array<number | null> = [];
    link.onPose((p) => seen.push(p?.frame ?? null));
    expect(seen).toEqual([null]); // a new listener hears the current pose at once

    push("mosketch_pose", pose(1, 1));
    push("mosketch_pose", pose(1, 2));
    push("mosketch_pose", pose(1, 3));
    expect(seen).toEqual([null, 1, 2, 3]);
    expect(link.pose?.frame).toBe(3);
    expect(link.posesReceived).toBe(3);
    // The panel's copy is not refreshed by every frame…
    expect([null, 1]).toContain(link.panelPose?.frame ?? null);
    // …but catches up with the newest within its refresh period.
    await vi.advanceTimersByTimeAsync(100);
    expect(link.panelPose?.frame).toBe(3);

    // A pose of an older character (it arrived after the new Hierarchy) is dropped.
    push("mosketch_hierarchy", hierarchy(2, skeleton("simulator")));
    push("mosketch_pose", pose(1, 4));
    expect(link.pose?.frame).toBe(3);
    push("mosketch_pose", pose(2, 1));
    expect(link.pose?.hierarchyId).toBe(2);
  });

  it("forgets the pose when the character goes away, and a picked joint the new character lacks", async () => {
    const { link, push } = await attached();
    const seen: Array<number | null> = [];
    push("mosketch_hierarchy", hierarchy(1, null));
    push("mosketch_pose", pose(1, 1));
    link.onPose((p) => seen.push(p?.frame ?? null));
    await vi.advanceTimersByTimeAsync(100);
    expect(link.panelPose?.frame).toBe(1);

    link.selected = "LeftArm";
    push("mosketch_hierarchy", hierarchy(2, null, ["Hips", "LeftArm"]));
    expect(link.selected).toBe("LeftArm");
    push("mosketch_hierarchy", hierarchy(3, null, ["Root", "Tail"]));
    expect(link.selected).toBeNull();

    push("mosketch_hierarchy", null);
    expect(link.pose).toBeNull();
    expect(link.panelPose).toBeNull();
    expect(seen).toEqual([1, null]);
  });

  it("reports a stream it could not open as an action error", async () => {
    const t = recordingTransport();
    const transport: Transport = {
      ...t.transport,
      subscribe: (stream, onMessage) =>
        stream === "mosketch_pose" ? Promise.reject({ code: "internal", message: "engine not ready" }) : t.transport.subscribe(stream, onMessage),
    };
    const link = new MosketchLink();
    await link.attach(createBackend(transport));
    expect(link.actionError).toBe("Internal error: engine not ready");
  });
});

describe("MosketchLink: actions", () => {
  it("connects to a parsed address, carrying the session's settings over; rejects a bad one without a call", async () => {
    const { link, push, actions } = await attached();
    expect(await link.connect("a b c")).toBe(false);
    expect(link.actionError).toMatch(/not an address/);
    expect(actions()).toEqual([]);

    expect(await link.connect(":16095")).toBe(true);
    expect(link.actionError).toBeNull();
    expect(link.address).toBe("127.0.0.1:16095");
    push("mosketch_status", status({ kind: "streaming" }, { jointSpace: "World", orientMode: "discard", ackSpelling: "HierarchyInitializedAck" }));
    expect(await link.connect("10.0.0.2")).toBe(true);
    expect(await link.disconnect()).toBe(true);
    expect(actions()).toEqual([
      ["mosketch_connect", { config: { host: "127.0.0.1", port: 16095 } }],
      [
        "mosketch_connect",
        { config: { host: "10.0.0.2", port: 16094, jointSpace: "World", orientMode: "discard", ackSpelling: "HierarchyInitializedAck" } },
      ],
      ["mosketch_disconnect", {}],
    ]);
  });

  it("shows which action is in flight, confirms it briefly, and shows a refusal in words", async () => {
    const reply = deferred();
    const { link, actions } = await attached({ mosketch_set_joint_space: () => reply.promise });
    const spacing = link.setJointSpace("ParentInWorld");
    expect(link.busy).toBe("space");
    reply.resolve(null);
    expect(await spacing).toBe(true);
    expect(link.busy).toBeNull();
    expect(link.notice).toBe("Joint space: ParentInWorld");
    await vi.advanceTimersByTimeAsync(2500);
    expect(link.notice).toBeNull();

    expect(await link.setOrientMode("discard")).toBe(true);
    expect(link.notice).toBe("Joint orient: discard");
    expect(await link.setAckSpelling("HierarchyInitializedAck")).toBe(true);
    expect(actions()).toEqual([
      ["mosketch_set_joint_space", { space: "ParentInWorld" }],
      ["mosketch_set_orient_mode", { mode: "discard" }],
      ["mosketch_set_ack_spelling", { spelling: "HierarchyInitializedAck" }],
    ]);

    const refused = await attached({
      mosketch_set_orient_mode: () => Promise.reject({ code: "unreachable", message: "No Mosketch session: connect first" }),
    });
    expect(await refused.link.setOrientMode("keep")).toBe(false);
    expect(refused.link.actionError).toBe("Not reachable: No Mosketch session: connect first");
    expect(refused.link.busy).toBeNull();
  });

  it("resets to the rest pose: every joint's rest orient, the root's rest offset", async () => {
    const { link, push, actions } = await attached();
    push("mosketch_hierarchy", hierarchy(1, skeleton("simulator")));
    expect(await link.resetPose()).toBe(true);
    expect(actions()).toEqual([
      [
        "mosketch_send_pose",
        {
          joints: [
            { Name: "Hips", R: [0, 0, 0, 1], T: [0, 1, 0] },
            { Name: "Spine", R: [0, 0, 0.6, 0.8] },
            { Name: "LeftArm", R: [0, 0, 0, 1] },
          ],
        },
      ],
    ]);
    expect(link.notice).toBe("Rest pose sent to Mosketch");
  });

  it("sends a preset, filling in the picked joint's uuid from the pose", async () => {
    const { link, push, actions } = await attached();
    push("mosketch_hierarchy", hierarchy(1, null));
    push("mosketch_pose", pose(1, 1));
    const select = link.presets.find((p) => p.id === "selectByUuid")!;
    expect(await link.sendPreset(select)).toBe(false);
    expect(link.actionError).toMatch(/Pick a joint first/);
    expect(actions()).toEqual([]);

    link.selected = "LeftArm";
    expect(await link.sendPreset(select)).toBe(true);
    expect(await link.sendPreset(link.presets.find((p) => p.id === "undo")!)).toBe(true);
    expect(actions()).toEqual([
      ["mosketch_send_command", { command: { object: "scene", command: "selectByUuid", parameters: { uuid: "uuid-LeftArm" } } }],
      ["mosketch_send_command", { command: { object: "scene", command: "undo", parameters: {} } }],
    ]);
    expect(link.notice).toBe("Sent undo");
  });
});

describe("MosketchLink: a skeleton from Maya or a file", () => {
  it("without one in the Hierarchy, asks the active Maya once per (character, session)", async () => {
    const fromMaya = vi.fn((args: Args<"skeleton_from_maya">): unknown =>
      args.session === "m1"
        ? Promise.reject({ code: "unreachable", message: "Maya m1 is not connected" })
        : skeleton("maya"),
    );
    const { link, push, actions } = await attached({ skeleton_from_maya: fromMaya });
    push("mosketch_hierarchy", hierarchy(1, null));
    expect(link.choice).toEqual({ kind: "none", mismatch: false });

    link.maybeAutoQuery(null);
    expect(actions()).toEqual([]);

    link.maybeAutoQuery("m1", "Anim");
    await settle();
    expect(link.skeletonError).toBe("Maya (Anim): Not reachable: Maya m1 is not connected");
    expect(link.skeletonBusy).toBeNull();
    link.maybeAutoQuery("m1", "Anim"); // tried already
    expect(fromMaya).toHaveBeenCalledOnce();

    link.maybeAutoQuery("m2", "Demo Maya");
    await settle();
    expect(link.choice).toMatchObject({ kind: "loaded", matched: 3 });
    expect(link.skeleton?.source).toBe("maya");
    expect(link.loadedFrom).toBe("Demo Maya");
    expect(link.skeletonError).toBeNull();

    link.clearLoaded();
    link.maybeAutoQuery("m2", "Demo Maya"); // tried for this character
    // A new character: worth asking again.
    push("mosketch_hierarchy", hierarchy(2, null));
    link.maybeAutoQuery("m2", "Demo Maya");
    await settle();
    expect(actions()).toEqual([
      ["skeleton_from_maya", { session: "m1", names: NAMES }],
      ["skeleton_from_maya", { session: "m2", names: NAMES }],
      ["skeleton_from_maya", { session: "m2", names: NAMES }],
    ]);
  });

  it("not when the Hierarchy brought a skeleton, which also wins over a loaded one", async () => {
    const { link, push, actions } = await attached({ skeleton_load_file: () => skeleton("file") });
    push("mosketch_hierarchy", hierarchy(1, skeleton("hierarchy")));
    link.maybeAutoQuery("m1");
    expect(actions()).toEqual([]);
    expect(await link.loadFile("/rigs/walk.json")).toBe(true);
    expect(link.skeleton?.source).toBe("hierarchy");
  });

  it("loads a file by path (its name shown), or the one the artist picks; cancel loads nothing", async () => {
    const { link, push, actions, picks } = await attached({
      skeleton_load_file: (args) =>
        args.path.endsWith(".txt") ? Promise.reject({ code: "invalid_input", message: "not a skeleton file" }) : skeleton(args.path.endsWith(".bvh") ? "bvh" : "file"),
    });
    // Before any character, a loaded skeleton shows at rest.
    expect(await link.loadFile("/home/a/rigs/mixamo_humanoid.json")).toBe(true);
    expect(link.choice).toMatchObject({ kind: "loaded", matched: 0 });
    expect(link.skeleton?.source).toBe("file");
    expect(link.loadedFrom).toBe("mixamo_humanoid.json");
    push("mosketch_hierarchy", hierarchy(1, null));
    expect(link.choice).toMatchObject({ kind: "loaded", matched: 3 });

    expect(await link.loadFile("C:\\rigs\\walk.bvh")).toBe(true);
    expect(link.loadedFrom).toBe("walk.bvh");
    expect(link.skeleton?.source).toBe("bvh");

    expect(await link.loadFile("/home/a/notes.txt")).toBe(false);
    expect(link.skeletonError).toBe("Invalid input: not a skeleton file");
    expect(link.loadedFrom).toBe("walk.bvh");

    expect(await link.loadFile()).toBe(false); // the picker is cancelled
    expect(picks).toEqual(["Load a skeleton: json,bvh | *"]);
    expect(link.skeletonBusy).toBeNull();
    expect(actions()).toEqual([
      ["skeleton_load_file", { path: "/home/a/rigs/mixamo_humanoid.json" }],
      ["skeleton_load_file", { path: "C:\\rigs\\walk.bvh" }],
      ["skeleton_load_file", { path: "/home/a/notes.txt" }],
    ]);
  });

  it("a loaded skeleton of another character is a mismatch, and the active Maya is asked instead", async () => {
    const { link, push, actions } = await attached({ skeleton_load_file: () => skeleton("file", ["Root", "Tail"]) });
    push("mosketch_hierarchy", hierarchy(1, null));
    expect(await link.loadFile("/rigs/dragon.json")).toBe(true);
    expect(link.choice).toEqual({ kind: "none", mismatch: true });
    expect(link.skeleton).toBeNull();
    link.maybeAutoQuery("m1");
    await settle();
    expect(actions().at(-1)).toEqual(["skeleton_from_maya", { session: "m1", names: NAMES }]);
  });
});
