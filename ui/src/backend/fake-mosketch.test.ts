import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MosketchHierarchy } from "../bindings/MosketchHierarchy";
import type { MosketchStatus } from "../bindings/MosketchStatus";
import type { PoseSnapshot } from "../bindings/PoseSnapshot";
import { SolverSkeleton, quatMul, solveWorld } from "../preview/pose-math";
import { createFakeBackend, fakeMosketch, fakeOptionsFromQuery } from "./fake";
import {
  FAKE_COMMAND_PRESETS,
  FAKE_SKELETON_BVH,
  FAKE_SKELETON_JSON,
  FakeCharacter,
  FakeMosketch,
  type FakeMosketchOptions,
  fakeMosketchFromQuery,
} from "./fake-mosketch";

beforeEach(() => vi.useFakeTimers({ now: 1_700_000_000_000 }));
afterEach(() => vi.useRealTimers());

interface Recorded {
  statuses: Array<MosketchStatus | null>;
  hierarchies: Array<MosketchHierarchy | null>;
  poses: PoseSnapshot[];
  last(): MosketchStatus | null;
}

async function start(options: Partial<FakeMosketchOptions> = {}) {
  const fake = new FakeMosketch({ latencyMs: 0, ...options });
  const rec: Recorded = {
    statuses: [],
    hierarchies: [],
    poses: [],
    last: () => rec.statuses[rec.statuses.length - 1] ?? null,
  };
  const sub = fake.subscribe({
    onStatus: (s) => rec.statuses.push(s),
    onHierarchy: (h) => rec.hierarchies.push(h),
    onPose: (p) => rec.poses.push(p),
  });
  await vi.advanceTimersByTimeAsync(0);
  const unsubscribe = await sub;
  return { fake, rec, unsubscribe };
}

/** Lets the fake's timers run, then returns what `promise` resolved to. */
async function settle<T>(promise: Promise<T>, ms = 1): Promise<T> {
  await vi.advanceTimersByTimeAsync(ms);
  return promise;
}

async function connectAndStream(fake: FakeMosketch, ms = 1000) {
  void fake.connect();
  await vi.advanceTimersByTimeAsync(ms);
}

describe("fake Mosketch: streams", () => {
  it("with no session: status null and hierarchy null", async () => {
    const { rec, fake } = await start();
    expect(rec.statuses).toEqual([null]);
    expect(rec.hierarchies).toEqual([null]);
    expect(rec.poses).toEqual([]);
    expect(fake.status).toBeNull();
    fake.dispose();
  });

  it("connects (default 127.0.0.1:16094), handshakes, and streams; the hierarchy carries the skeleton", async () => {
    const { rec, fake } = await start();
    await connectAndStream(fake);
    const kinds = rec.statuses.map((s) => s?.connection.kind ?? null);
    expect(kinds.indexOf("connecting")).toBeLessThan(kinds.indexOf("handshaking"));
    expect(kinds.indexOf("handshaking")).toBeLessThan(kinds.indexOf("streaming"));
    const status = rec.last()!;
    expect(status.address).toBe("127.0.0.1:16094");
    expect(status.connection).toEqual({ kind: "streaming" });
    expect(status.jointCount).toBe(65);
    expect(status.hasSkeleton).toBe(true);
    const h = rec.hierarchies[rec.hierarchies.length - 1]!;
    expect(h.joints).toHaveLength(65);
    expect(h.skeleton?.joints).toHaveLength(65);
    expect(h.skeleton?.source).toBe("simulator");
    expect(status.hierarchyId).toBe(h.id);
    fake.dispose();
  });

  it("poses reach subscribers at most once per frame, newest only, with uuids, Anatom and metres", async () => {
    const frames: Array<() => void> = [];
    const { rec, fake } = await start({ nextFrame: (fn) => frames.push(fn) });
    await connectAndStream(fake, 500);
    // However many frames arrived, one delivery is pending.
    expect(frames.length).toBe(1);
    const before = rec.poses.length;
    frames.shift()!();
    expect(rec.poses.length).toBe(before + 1);
    const pose = rec.poses[rec.poses.length - 1]!;
    expect(pose.frame).toBeGreaterThan(20);
    expect(pose.hierarchyId).toBe(rec.last()!.hierarchyId);
    const hips = pose.joints.find((j) => j.name === "Hips")!;
    expect(hips.anatom).toBe(7);
    expect(hips.t![1]).toBeGreaterThan(0.9);
    expect(hips.t![1]).toBeLessThan(1.1);
    expect(hips.lastFrame).toBe(pose.frame);
    const arm = pose.joints.find((j) => j.name === "LeftArm")!;
    expect(arm.anatom).toBe(5);
    expect(arm.t).toBeNull();
    const uuids = pose.joints.map((j) => j.uuid);
    expect(uuids.every((u) => typeof u === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/.test(u))).toBe(true);
    expect(new Set(uuids).size).toBe(65);
    // Later frames: the newest again, once.
    await vi.advanceTimersByTimeAsync(200);
    expect(frames.length).toBe(1);
    frames.shift()!();
    expect(rec.poses[rec.poses.length - 1]!.frame).toBeGreaterThan(pose.frame + 10);
    fake.dispose();
  });

  it("stats: frames/s ≈ the rate, ack latency p50 ≤ p99, last frame age", async () => {
    const { rec, fake } = await start();
    await connectAndStream(fake, 2200);
    const st = rec.last()!.stats;
    expect(st.framesPerSecond).toBeGreaterThanOrEqual(58);
    expect(st.framesPerSecond).toBeLessThanOrEqual(62);
    expect(st.frames).toBeGreaterThan(100);
    expect(st.ackLatencyP50Us).not.toBeNull();
    expect(st.ackLatencyP50Us!).toBeLessThanOrEqual(st.ackLatencyP99Us!);
    expect(st.lastFrameAgeMs).not.toBeNull();
    expect(st.lastFrameAgeMs!).toBeLessThan(50);
    expect(st.partial + st.malformed + st.unknown).toBe(0);
    fake.dispose();
  });

  it("unsubscribing stops the deliveries", async () => {
    const { rec, fake, unsubscribe } = await start();
    await connectAndStream(fake, 300);
    unsubscribe();
    const n = rec.poses.length + rec.statuses.length;
    await vi.advanceTimersByTimeAsync(500);
    expect(rec.poses.length + rec.statuses.length).toBe(n);
    fake.dispose();
  });

  it("disconnect: status and hierarchy go back to null", async () => {
    const { rec, fake } = await start();
    await connectAndStream(fake, 300);
    void fake.disconnect();
    await vi.advanceTimersByTimeAsync(10);
    expect(rec.last()).toBeNull();
    expect(rec.hierarchies[rec.hierarchies.length - 1]).toBeNull();
    fake.dispose();
  });
});

describe("fake Mosketch: variants", () => {
  it("noskeleton: names only, as the real server may send", async () => {
    const { rec, fake } = await start({ settings: { sendSkeleton: false } });
    await connectAndStream(fake, 300);
    expect(rec.last()!.hasSkeleton).toBe(false);
    expect(rec.hierarchies[rec.hierarchies.length - 1]!.skeleton).toBeNull();
    expect(rec.last()!.connection.kind).toBe("streaming");
    fake.dispose();
  });

  it("creature: 200 joints at 120 Hz", async () => {
    const { rec, fake } = await start({ settings: { character: "creature", rateHz: 120 } });
    await connectAndStream(fake, 2200);
    expect(rec.last()!.jointCount).toBe(200);
    expect(rec.last()!.stats.framesPerSecond).toBeGreaterThanOrEqual(115);
    expect(rec.hierarchies[rec.hierarchies.length - 1]!.skeleton!.joints).toHaveLength(200);
    fake.dispose();
  });

  it("partial frames: counted, and the joints they do not carry keep their last values", async () => {
    const frames: Array<() => void> = [];
    const { rec, fake } = await start({ settings: { partial: true }, nextFrame: (fn) => frames.push(fn) });
    await connectAndStream(fake, 1000);
    frames.shift()!();
    const pose = rec.poses[rec.poses.length - 1]!;
    expect(rec.last()!.stats.partial).toBeGreaterThan(10);
    const last = pose.joints.map((j) => j.lastFrame);
    // Every third joint is in every frame; the others only in even frames.
    pose.joints.forEach((j, i) => {
      if (i % 3 === 0) expect(j.lastFrame).toBe(pose.frame);
      expect(j.lastFrame).toBeGreaterThan(0);
      expect(pose.frame - j.lastFrame).toBeLessThanOrEqual(1);
    });
    expect(new Set(last).size).toBeLessThanOrEqual(2);
    fake.dispose();
  });

  it("garbage: malformed and unknown packets are counted, the stream goes on", async () => {
    const { rec, fake } = await start({ settings: { garbage: true } });
    await connectAndStream(fake, 1500);
    const st = rec.last()!.stats;
    expect(st.malformed).toBeGreaterThan(0);
    expect(st.unknown).toBeGreaterThan(0);
    expect(st.lastUnknownType).toBe("SceneChanged");
    expect(rec.last()!.connection.kind).toBe("streaming");
    fake.dispose();
  });

  it("a build that wants the other ack spelling: handshaking, then a warning; switching streams", async () => {
    const { rec, fake } = await start({ settings: { onlyAck: "HierarchyInitializedAck" } });
    await connectAndStream(fake, 3500);
    expect(rec.last()!.connection.kind).toBe("handshaking");
    expect(rec.last()!.warning).toMatch(/try HierarchyInitializedAck/);
    void fake.setAckSpelling("HierarchyInitializedAck");
    await vi.advanceTimersByTimeAsync(500);
    expect(rec.last()!.connection.kind).toBe("streaming");
    expect(rec.last()!.warning).toBeNull();
    expect(rec.last()!.ackSpelling).toBe("HierarchyInitializedAck");
    fake.dispose();
  });

  it("nothing listening: reconnects with a growing backoff and says to enable streaming; fails without reconnect", async () => {
    const { rec, fake } = await start();
    void fake.connect({ port: 80 });
    await vi.advanceTimersByTimeAsync(60);
    expect(rec.last()!.connection).toEqual({ kind: "reconnecting", inMs: 500 });
    expect(rec.last()!.lastError?.message).toMatch(/not reachable at 127\.0\.0\.1:80 — enable streaming in Mosketch/);
    await vi.advanceTimersByTimeAsync(600);
    expect(rec.last()!.connection).toEqual({ kind: "reconnecting", inMs: 1000 });
    void fake.connect({ port: 80, reconnect: false });
    await vi.advanceTimersByTimeAsync(60);
    const c = rec.last()!.connection;
    expect(c.kind).toBe("failed");
    expect(c.kind === "failed" && c.reason).toMatch(/enable streaming in Mosketch/);
    fake.dispose();
  });
});

describe("fake Mosketch: settings, commands, poses", () => {
  it("joint space and orient mode change the status and are sent as string commands", async () => {
    const { rec, fake } = await start();
    await connectAndStream(fake, 200);
    await settle(fake.setJointSpace("World"));
    await settle(fake.setOrientMode("discard"));
    expect(rec.last()!.jointSpace).toBe("World");
    expect(rec.last()!.orientMode).toBe("discard");
    expect(fake.commands).toEqual([
      { object: "scene", command: "setStreamingJointSpace", parameters: { jointSpace: "World" } },
      { object: "scene", command: "setStreamingJointOrientMode", parameters: { jointOrientMode: "0" } },
    ]);
    fake.dispose();
  });

  it("World space: the server streams world rotations (the preview then draws the same pose)", () => {
    const c = new FakeCharacter("humanoid");
    const local = c.poseAt(30, 1 / 60);
    const world = c.toSpace(local, "World");
    const piw = c.toSpace(local, "ParentInWorld");
    const sk = new SolverSkeleton(c.skeleton);
    const solveIn = (values: typeof local, space: "Parent" | "World" | "ParentInWorld") => {
      const pos = new Float64Array(3 * sk.count);
      const rot = new Float64Array(4 * sk.count);
      solveWorld(sk, (i) => ({ streamed: true, r: values[i]!.r, t: values[i]!.t }), pos, rot, { space });
      return pos;
    };
    const a = solveIn(local, "Parent");
    const b = solveIn(world, "World");
    const d = solveIn(piw, "ParentInWorld");
    for (let i = 0; i < a.length; i++) {
      expect(b[i]).toBeCloseTo(a[i]!, 5);
      expect(d[i]).toBeCloseTo(a[i]!, 5);
    }
    // A child's ParentInWorld rotation composes with the parent's world one.
    const i = sk.index.get("LeftForeArm")!;
    const p = sk.parents[i]!;
    const composed = quatMul(piw[i]!.r, world[p]!.r);
    composed.forEach((v, k) => expect(Math.abs(v)).toBeCloseTo(Math.abs(world[i]!.r[k]!), 5));
  });

  it("commands need a connection and string parameters; presets are the engine's", async () => {
    const { fake } = await start();
    const cmd = { object: "scene", command: "setWireframeVisibility", parameters: { visible: "true" } };
    const refused = fake.sendCommand(cmd).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1);
    expect(await refused).toMatchObject({ code: "invalid_input", message: expect.stringMatching(/connect first/) });
    await connectAndStream(fake, 100);
    await settle(fake.sendCommand(cmd));
    expect(fake.commands).toContainEqual(cmd);
    const presets = await settle(fake.commandPresets());
    expect(presets.map((p) => p.id)).toEqual(FAKE_COMMAND_PRESETS.map((p) => p.id));
    expect(presets.filter((p) => p.needsUuid).every((p) => Object.values(p.template.parameters).includes("{uuid}"))).toBe(true);
    fake.dispose();
  });

  it("a pose sent back is recorded, and the simulated Mosketch shows it for a moment", async () => {
    const frames: Array<() => void> = [];
    const { rec, fake } = await start({ nextFrame: (fn) => frames.push(fn) });
    await connectAndStream(fake, 200);
    await settle(
      fake.sendPose([
        { Name: "Hips", R: [0, 0, 0, 1], T: [0, 1, 0] },
        { Name: "LeftArm", R: [0, 0, 0, 1] },
      ]),
    );
    expect(fake.poses).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    frames.splice(0).forEach((f) => f());
    const pose = rec.poses[rec.poses.length - 1]!;
    expect(pose.joints.find((j) => j.name === "LeftArm")!.r).toEqual([0, 0, 0, 1]);
    expect(pose.joints.find((j) => j.name === "Hips")!.t).toEqual([0, 1, 0]);
    fake.dispose();
  });
});

describe("fake Mosketch: the humanoid", () => {
  const c = new FakeCharacter("humanoid");

  it("65 Mixamo-like joints, parents first, under a 6-DoF Hips at ~1 m", () => {
    expect(c.names).toHaveLength(65);
    expect(c.names[0]).toBe("Hips");
    for (const n of ["Spine2", "Neck", "HeadTop_End", "LeftHandIndex4", "RightHandPinky1", "LeftToe_End", "RightForeArm", "LeftHandThumb3"]) {
      expect(c.names).toContain(n);
    }
    c.skeleton.joints.forEach((j, i) => {
      if (j.parent !== null) expect(j.parent).toBeLessThan(i);
    });
    expect(c.anatom(0)).toBe(7);
    expect(c.anatom(1)).toBe(5);
    // Head top at a human height.
    const sk = new SolverSkeleton(c.skeleton);
    const pos = new Float64Array(3 * sk.count);
    solveWorld(sk, () => null, pos, new Float64Array(4 * sk.count));
    const top = pos[3 * sk.index.get("HeadTop_End")! + 1]!;
    expect(top).toBeGreaterThan(1.6);
    expect(top).toBeLessThan(1.9);
  });

  it("a smooth, normalised animation that loops every 4 s", () => {
    for (let f = 0; f < 240; f++) {
      const a = c.poseAt(f, 1 / 60);
      const b = c.poseAt(f + 1, 1 / 60);
      a.forEach((x, i) => {
        const y = b[i]!;
        expect(Math.hypot(...x.r)).toBeCloseTo(1, 5);
        const dot = Math.abs(x.r[0] * y.r[0] + x.r[1] * y.r[1] + x.r[2] * y.r[2] + x.r[3] * y.r[3]);
        expect(2 * Math.acos(Math.min(1, dot))).toBeLessThan(0.1);
      });
    }
    expect(c.poseAt(3, 1 / 60)).toEqual(c.poseAt(243, 1 / 60));
    expect(c.poseAt(3, 1 / 60)).not.toEqual(c.poseAt(30, 1 / 60));
  });

  it("the creature has 200 joints", () => {
    const creature = new FakeCharacter("creature");
    expect(creature.names).toHaveLength(200);
    expect(new Set(creature.names).size).toBe(200);
    expect(creature.anatom(0)).toBe(7);
  });
});

describe("fake Mosketch: skeleton sources", () => {
  it("from Maya: the joints of those names in a connected session (metres), else an error", async () => {
    const fake = new FakeMosketch({ latencyMs: 0, mayaConnected: (id) => id === "m1" });
    const notConnected = fake.skeletonFromMaya("m2", ["Hips"]).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(await notConnected).toMatchObject({ code: "invalid_input" });
    const none = fake.skeletonFromMaya("m1", ["Tail"]).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(await none).toMatchObject({ message: expect.stringMatching(/None of Mosketch's joints/) });
    const got = fake.skeletonFromMaya("m1", ["Hips", "Spine", "LeftUpLeg", "Nope"]);
    await vi.advanceTimersByTimeAsync(100);
    const sk = await got;
    expect(sk.source).toBe("maya");
    expect(sk.joints.map((j) => [j.name, j.parent])).toEqual([
      ["Hips", null],
      ["Spine", 0],
      ["LeftUpLeg", 0],
    ]);
  });

  it("from files: the JSON and the BVH the fake's file system holds; the dialog returns the BVH", async () => {
    const fake = new FakeMosketch({ latencyMs: 0 });
    const picked = fake.pickSkeletonFile();
    await vi.advanceTimersByTimeAsync(1);
    expect(await picked).toBe(FAKE_SKELETON_BVH);
    const json = fake.skeletonLoadFile(FAKE_SKELETON_JSON);
    const bvh = fake.skeletonLoadFile(FAKE_SKELETON_BVH);
    await vi.advanceTimersByTimeAsync(1);
    const a = await json;
    const b = await bvh;
    expect(a.source).toBe("file");
    expect(a.joints).toHaveLength(65);
    expect(a.joints[0]!.offset[1]).toBeCloseTo(1);
    expect(b.source).toBe("bvh");
    expect(b.joints.length).toBeGreaterThan(65);
    expect(b.joints.find((j) => j.name === "LeftArm")!.offset[0]).toBeCloseTo(0.12);
    fake.nextSkeletonPath = null;
    const cancelled = fake.pickSkeletonFile();
    await vi.advanceTimersByTimeAsync(1);
    expect(await cancelled).toBeNull();
    const missing = fake.skeletonLoadFile("/nope.json").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1);
    expect(await missing).toMatchObject({ code: "io" });
  });
});

describe("fake backend wiring", () => {
  it("page switches", () => {
    expect(fakeMosketchFromQuery("?fakeMosketch=connect,noskeleton")).toEqual({ autoConnect: true, sendSkeleton: false });
    expect(fakeMosketchFromQuery("?fakeMosketch=creature")).toEqual({ character: "creature", rateHz: 120 });
    expect(fakeMosketchFromQuery("?fakeMosketch=partial,garbage,ackSuspect,rate=30")).toEqual({
      partial: true,
      garbage: true,
      onlyAck: "HierarchyInitializedAck",
      rateHz: 30,
    });
    expect(fakeMosketchFromQuery("?x=1")).toEqual({});
    expect(fakeOptionsFromQuery("?fakeMosketch=connect").mosketch).toEqual({ autoConnect: true });
    expect(fakeOptionsFromQuery("").mosketch).toBeUndefined();
  });

  it("the backend's Mosketch methods reach the simulated Mosketch; the demo connects it", async () => {
    const backend = createFakeBackend({ latencyMs: 0, storage: null });
    const statuses: Array<MosketchStatus | null> = [];
    const sub = backend.subscribeMosketch({ onStatus: (s) => statuses.push(s), onHierarchy: () => {}, onPose: () => {} });
    await vi.advanceTimersByTimeAsync(1);
    await sub;
    expect(statuses).toEqual([null]);
    void backend.startDemo();
    await vi.advanceTimersByTimeAsync(1500);
    expect(statuses[statuses.length - 1]?.connection.kind).toBe("streaming");
    expect(fakeMosketch(backend)).toBeInstanceOf(FakeMosketch);
    const presets = backend.mosketchCommandPresets();
    await vi.advanceTimersByTimeAsync(1);
    expect((await presets).length).toBe(6);
    void backend.mosketchDisconnect();
    await vi.advanceTimersByTimeAsync(1);
    expect(statuses[statuses.length - 1]).toBeNull();
    fakeMosketch(backend)!.dispose();
  });
});
