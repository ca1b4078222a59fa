// A simulated Mosketch streaming server and link for the fake backend, following the engine's
// contract: status / hierarchy / pose streams (poses at most once per frame, newest only;
// null status = no session), the handshake (with the ack-spelling warning when the
// simulated build wants the other spelling), reconnect with backoff and the "enable
// streaming in Mosketch" message, stats, commands and poses sent back, and the skeleton
// sources (Hierarchy extra fields, Maya query, JSON / BVH files).
//
// Characters: a 65-joint Mixamo-like humanoid (6-DoF Hips in metres at ~1 m, spine, neck,
// head, arms, 4-segment fingers, legs) walking and idling at 60 Hz, and a 200-joint
// creature (an octopus: 8 tentacles of 24 joints) at 120 Hz for the preview benchmark.
// Poses are a pure function of the frame number. Page switches (`?fakeMosketch=…`,
// comma-separated): connect, noskeleton, creature, partial, garbage, ackSuspect, rate=N.
import type { AppError } from "../bindings/AppError";
import type { CommandPreset } from "../bindings/CommandPreset";
import type { ConsoleLine } from "../bindings/ConsoleLine";
import type { HierarchyAckSpelling } from "../bindings/HierarchyAckSpelling";
import type { JointSpace } from "../bindings/JointSpace";
import type { MosketchCommand } from "../bindings/MosketchCommand";
import type { MosketchConfig } from "../bindings/MosketchConfig";
import type { MosketchHierarchy } from "../bindings/MosketchHierarchy";
import type { MosketchStatus } from "../bindings/MosketchStatus";
import type { OrientMode } from "../bindings/OrientMode";
import type { PoseSnapshot } from "../bindings/PoseSnapshot";
import type { Skeleton } from "../bindings/Skeleton";
import type { SkeletonJoint } from "../bindings/SkeletonJoint";
import type { SkeletonSource } from "../bindings/SkeletonSource";
import type { StreamStats } from "../bindings/StreamStats";
import {
  IDENTITY,
  type Quat,
  SolverSkeleton,
  type Vec3,
  quatFromAxisAngle,
  quatMul,
  quatNormalize,
  solveWorld,
} from "../preview/pose-math";

import type { MosketchHandlers, MosketchPoseJoint } from "./backend";

export const MOSKETCH_DEFAULT_PORT = 16094;

export const DEFAULT_MOSKETCH_CONFIG: MosketchConfig = {
  host: "127.0.0.1",
  port: MOSKETCH_DEFAULT_PORT,
  ackSpelling: "AckHierarchyInitialized",
  jointSpace: "Parent",
  orientMode: "keep",
  uuidsTimeoutMs: 3000,
  reconnect: true,
  reconnectInitialMs: 500,
  reconnectMaxMs: 10_000,
  connectTimeoutMs: 3000,
  stallTimeoutMs: 1000,
  maxPacketBytes: 1 << 20,
  latencySamples: 1024,
};

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

// ---- Characters -------------------------------------------------------------------------

export type FakeCharacterKind = "humanoid" | "creature";

type Role =
  | { k: "root" }
  | { k: "spine"; i: number }
  | { k: "neck" }
  | { k: "head" }
  | { k: "shoulder"; s: number }
  | { k: "arm"; s: number }
  | { k: "forearm"; s: number }
  | { k: "hand"; s: number }
  | { k: "finger"; s: number; finger: number; segment: number }
  | { k: "upleg"; s: number }
  | { k: "leg"; s: number }
  | { k: "foot"; s: number }
  | { k: "toe"; s: number }
  | { k: "end" }
  | { k: "body" }
  | { k: "mantle"; i: number }
  | { k: "eye"; s: number }
  | { k: "tentacle"; arm: number; i: number };

interface CharJoint {
  name: string;
  parent: string | null;
  offset: Vec3;
  role: Role;
}

function humanoidTable(): CharJoint[] {
  const t: CharJoint[] = [
    { name: "Hips", parent: null, offset: [0, 1.0, 0], role: { k: "root" } },
    { name: "Spine", parent: "Hips", offset: [0, 0.1, 0], role: { k: "spine", i: 0 } },
    { name: "Spine1", parent: "Spine", offset: [0, 0.12, 0], role: { k: "spine", i: 1 } },
    { name: "Spine2", parent: "Spine1", offset: [0, 0.13, 0], role: { k: "spine", i: 2 } },
    { name: "Neck", parent: "Spine2", offset: [0, 0.15, 0.01], role: { k: "neck" } },
    { name: "Head", parent: "Neck", offset: [0, 0.1, 0.02], role: { k: "head" } },
    { name: "HeadTop_End", parent: "Head", offset: [0, 0.18, 0], role: { k: "end" } },
  ];
  const fingers: Array<[string, Vec3[]]> = [
    ["Thumb", [[0.025, -0.01, 0.03], [0.03, 0, 0.015], [0.03, 0, 0.01], [0.025, 0, 0.005]]],
    ["Index", [[0.09, 0.005, 0.03], [0.04, 0, 0], [0.025, 0, 0], [0.02, 0, 0]]],
    ["Middle", [[0.095, 0.005, 0.01], [0.045, 0, 0], [0.03, 0, 0], [0.022, 0, 0]]],
    ["Ring", [[0.09, 0.003, -0.01], [0.04, 0, 0], [0.028, 0, 0], [0.02, 0, 0]]],
    ["Pinky", [[0.08, 0, -0.03], [0.03, 0, 0], [0.02, 0, 0], [0.018, 0, 0]]],
  ];
  for (const [side, s] of [["Left", 1], ["Right", -1]] as const) {
    const m = (o: Vec3): Vec3 => [o[0] * s, o[1], o[2]];
    const n = (x: string) => `${side}${x}`;
    t.push({ name: n("Shoulder"), parent: "Spine2", offset: m([0.06, 0.11, 0]), role: { k: "shoulder", s } });
    t.push({ name: n("Arm"), parent: n("Shoulder"), offset: m([0.12, 0, 0]), role: { k: "arm", s } });
    t.push({ name: n("ForeArm"), parent: n("Arm"), offset: m([0.27, 0, 0]), role: { k: "forearm", s } });
    t.push({ name: n("Hand"), parent: n("ForeArm"), offset: m([0.25, 0, 0]), role: { k: "hand", s } });
    fingers.forEach(([finger, segs], f) => {
      segs.forEach((off, k) => {
        const parent = k === 0 ? n("Hand") : n(`Hand${finger}${k}`);
        const role: Role = k === 3 ? { k: "end" } : { k: "finger", s, finger: f, segment: k };
        t.push({ name: n(`Hand${finger}${k + 1}`), parent, offset: m(off), role });
      });
    });
    t.push({ name: n("UpLeg"), parent: "Hips", offset: m([0.09, -0.06, 0]), role: { k: "upleg", s } });
    t.push({ name: n("Leg"), parent: n("UpLeg"), offset: m([0, -0.42, 0]), role: { k: "leg", s } });
    t.push({ name: n("Foot"), parent: n("Leg"), offset: m([0, -0.41, 0]), role: { k: "foot", s } });
    t.push({ name: n("ToeBase"), parent: n("Foot"), offset: m([0, -0.07, 0.12]), role: { k: "toe", s } });
    t.push({ name: n("Toe_End"), parent: n("ToeBase"), offset: m([0, 0, 0.06]), role: { k: "end" } });
  }
  return t;
}

export const CREATURE_TENTACLES = 8;
export const CREATURE_SEGMENTS = 24;

/** 200 joints: Body (6-DoF), Head, 4 mantle joints, 2 eyes and 8 tentacles of 24 joints. */
function creatureTable(): CharJoint[] {
  const t: CharJoint[] = [
    { name: "Body", parent: null, offset: [0, 1.1, 0], role: { k: "body" } },
    { name: "Head", parent: "Body", offset: [0, 0.12, 0.04], role: { k: "head" } },
  ];
  for (let i = 1; i <= 4; i++) {
    t.push({ name: `Mantle${i}`, parent: i === 1 ? "Head" : `Mantle${i - 1}`, offset: [0, 0.1, -0.05], role: { k: "mantle", i } });
  }
  t.push({ name: "LeftEye", parent: "Head", offset: [0.09, 0.04, 0.1], role: { k: "eye", s: 1 } });
  t.push({ name: "RightEye", parent: "Head", offset: [-0.09, 0.04, 0.1], role: { k: "eye", s: -1 } });
  for (let a = 0; a < CREATURE_TENTACLES; a++) {
    const angle = ((a + 0.5) / CREATURE_TENTACLES) * 2 * Math.PI;
    for (let i = 1; i <= CREATURE_SEGMENTS; i++) {
      const name = `Tentacle${a + 1}_${i}`;
      const parent = i === 1 ? "Body" : `Tentacle${a + 1}_${i - 1}`;
      // The first segment leaves the body sideways; the others hang along local -Y, shrinking.
      const len = 0.07 * Math.pow(0.965, i);
      const offset: Vec3 = i === 1 ? [0.12 * Math.sin(angle), -0.06, 0.12 * Math.cos(angle)] : [0, -len, 0];
      t.push({ name, parent, offset, role: { k: "tentacle", arm: a, i } });
    }
  }
  return t;
}

const rx = (a: number) => quatFromAxisAngle([1, 0, 0], a);
const ry = (a: number) => quatFromAxisAngle([0, 1, 0], a);
const rz = (a: number) => quatFromAxisAngle([0, 0, 1], a);
const TAU = 2 * Math.PI;
const LOOP_SECONDS = 4;

/** A joint's local rotation (and translation for the root) at time t (seconds) in the loop. */
function animate(role: Role, t: number): { q: Quat; pos?: Vec3 } {
  const phi = TAU * t; // walk cycle: 1 Hz
  const psi = (TAU * t) / LOOP_SECONDS; // breathing and the walk/idle blend
  const w = 0.5 - 0.5 * Math.cos(psi); // 0 = idle, 1 = walking
  const leg = (s: number) => (s > 0 ? phi : phi + Math.PI);
  switch (role.k) {
    case "root":
      return {
        q: quatMul(ry(0.12 * w * Math.sin(phi)), rz(0.04 * w * Math.sin(phi))),
        pos: [0.03 * w * Math.sin(phi), 1.0 + 0.02 * w * Math.cos(2 * phi) + 0.005 * Math.sin(psi), 0],
      };
    case "spine":
      return { q: quatMul(ry((-0.05 * w * Math.sin(phi)) / (role.i + 1)), rx(0.02 * Math.sin(psi))) };
    case "neck":
      return { q: rx(0.05 * Math.sin(psi)) };
    case "head":
      return { q: quatMul(ry(0.25 * (1 - w) * Math.sin(2 * psi)), rx(-0.05 * w * Math.cos(2 * phi))) };
    case "shoulder":
      return { q: rz(role.s * 0.05 * Math.sin(psi)) };
    case "arm":
      return { q: quatMul(rx(role.s * 0.4 * w * Math.sin(phi)), rz(-role.s * 1.25)) };
    case "forearm":
      return { q: ry(-role.s * (0.3 + 0.1 * w * Math.sin(phi))) };
    case "hand":
      return { q: rz(-role.s * 0.1) };
    case "finger": {
      const curl = (0.2 + 0.15 * Math.sin(psi + role.finger * 0.5)) * (role.segment === 0 ? 0.8 : 1);
      return { q: role.finger === 0 ? ry(role.s * curl * 0.5) : rz(-role.s * curl) };
    }
    case "upleg":
      return { q: rx(-0.45 * w * Math.sin(leg(role.s))) };
    case "leg":
      return { q: rx(0.65 * w * (0.5 - 0.5 * Math.cos(leg(role.s) + 0.5))) };
    case "foot":
      return { q: rx(0.2 * w * Math.sin(leg(role.s))) };
    case "toe":
      return { q: rx(0.1 * w * (0.5 - 0.5 * Math.cos(leg(role.s)))) };
    case "end":
      return { q: IDENTITY };
    case "body":
      return {
        q: quatMul(ry(0.3 * Math.sin(psi)), rx(0.08 * Math.sin(phi * 0.75))),
        pos: [0.15 * Math.sin(psi), 1.1 + 0.06 * Math.sin(phi * 0.75), 0.1 * Math.cos(psi)],
      };
    case "mantle":
      return { q: rx(-0.12 - 0.06 * Math.sin(phi * 0.75 - role.i * 0.6)) };
    case "eye":
      return { q: ry(0.2 * Math.sin(psi * 2 + role.s)) };
    case "tentacle": {
      const a = ((role.arm + 0.5) / CREATURE_TENTACLES) * TAU;
      const wave = Math.sin(phi * 0.75 - role.i * 0.35 + role.arm * 0.8);
      const bend = role.i === 1 ? 0.9 : 0.05 + 0.09 * wave;
      // Bend outwards (about the axis perpendicular to the tentacle's direction), plus a sideways sway.
      const out = quatFromAxisAngle([Math.cos(a), 0, -Math.sin(a)], bend);
      return { q: quatMul(out, rz(0.05 * Math.cos(phi * 0.5 - role.i * 0.3 + role.arm))) };
    }
  }
}

function fnv(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i) & 0xff);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

const hex = (v: bigint, digits: number) => v.toString(16).padStart(digits, "0").slice(-digits);

export class FakeCharacter {
  readonly kind: FakeCharacterKind;
  readonly skeleton: Skeleton;
  readonly names: readonly string[];
  readonly uuids: readonly string[];
  readonly #roles: Role[];
  readonly #solver: SolverSkeleton;

  constructor(kind: FakeCharacterKind) {
    this.kind = kind;
    const table = kind === "humanoid" ? humanoidTable() : creatureTable();
    const index = new Map(table.map((j, i) => [j.name, i]));
    const joints: SkeletonJoint[] = table.map((j) => ({
      name: j.name,
      parent: j.parent === null ? null : (index.get(j.parent) ?? null),
      offset: [...j.offset],
      orient: [0, 0, 0, 1],
    }));
    this.skeleton = { source: "simulator", joints };
    this.names = table.map((j) => j.name);
    this.#roles = table.map((j) => j.role);
    this.#solver = new SolverSkeleton(this.skeleton);
    this.uuids = this.names.map((n) => {
      const h = fnv(`${kind}/${n}`);
      const g = fnv(`${n}#${kind}`);
      return `${hex(h >> 32n, 8)}-${hex((h >> 16n) & 0xffffn, 4)}-4${hex(h & 0xfffn, 3)}-8${hex(g >> 52n, 3)}-${hex(g & 0xffffffffffffn, 12)}`;
    });
  }

  /** Anatom of joint i: 7 (rotation + translation) for the root, 5 for the others. */
  anatom(i: number): number {
    const k = this.#roles[i]?.k;
    return k === "root" || k === "body" ? 7 : 5;
  }

  /** Every joint's local R (and T for the root) at `frame` (dt seconds per frame), in Parent space. */
  poseAt(frame: number, dt: number): Array<{ r: Quat; t: Vec3 | null }> {
    const time = (frame * dt) % LOOP_SECONDS;
    return this.#roles.map((role, i) => {
      const { q, pos } = animate(role, time);
      // A small fixed offset rotation per joint: as with real data, no component is exactly 0.
      const k = i;
      const jitter = quatMul(quatMul(rx(0.01 * Math.sin(k)), ry(0.01 * Math.cos(k))), rz(0.005 + 0.001 * k));
      const r = quatNormalize(quatMul(q, jitter)).map((v) => Math.fround(v)) as Quat;
      return { r, t: pos ? (pos.map((v) => Math.fround(v)) as Vec3) : null };
    });
  }

  /** Converts Parent-space local rotations to another joint space (the server does this). */
  toSpace(local: Array<{ r: Quat; t: Vec3 | null }>, space: JointSpace): Array<{ r: Quat; t: Vec3 | null }> {
    if (space === "Parent") return local;
    const n = this.#solver.count;
    const pos = new Float64Array(3 * n);
    const rot = new Float64Array(4 * n);
    solveWorld(this.#solver, (i) => ({ streamed: true, r: local[i]!.r, t: local[i]!.t }), pos, rot);
    const world = (i: number): Quat => [rot[4 * i]!, rot[4 * i + 1]!, rot[4 * i + 2]!, rot[4 * i + 3]!];
    return local.map((l, i) => {
      const w = world(i);
      if (space === "World") return { r: w, t: l.t ? [pos[3 * i]!, pos[3 * i + 1]!, pos[3 * i + 2]!] : null };
      const p = this.#solver.parents[i]!;
      if (p < 0) return l;
      const [px, py, pz, pw] = world(p);
      return { r: quatMul(w, [-px, -py, -pz, pw]), t: l.t };
    });
  }
}

// ---- Skeleton files (the engine reads them in Rust; the fake reads them here) ---------------

const UNITS: Record<string, number> = { m: 1, cm: 0.01, mm: 0.001, in: 0.0254 };

const invalid = (message: string): AppError => ({ code: "invalid_input", message });

/** Orders joints parents-first (stable), checking names are unique and there is no cycle. */
export function orderSkeleton(
  joints: Array<{ name: string; parent: string | null; offset: Vec3; orient: Quat }>,
  source: SkeletonSource,
): Skeleton {
  const byName = new Map<string, (typeof joints)[number]>();
  for (const j of joints) {
    if (byName.has(j.name)) throw invalid(`two joints are named '${j.name}'`);
    byName.set(j.name, j);
  }
  const out: SkeletonJoint[] = [];
  const placed = new Map<string, number>();
  const visiting = new Set<string>();
  const place = (name: string): number => {
    const done = placed.get(name);
    if (done !== undefined) return done;
    if (visiting.has(name)) throw invalid(`the parents of '${name}' form a cycle`);
    visiting.add(name);
    const j = byName.get(name)!;
    let parent: number | null = null;
    if (j.parent !== null) {
      if (!byName.has(j.parent)) throw invalid(`'${name}' has an unknown parent '${j.parent}'`);
      parent = place(j.parent);
    }
    visiting.delete(name);
    out.push({ name, parent, offset: j.offset, orient: j.orient });
    placed.set(name, out.length - 1);
    return out.length - 1;
  };
  for (const j of joints) place(j.name);
  if (out.length === 0) throw invalid("the skeleton has no joints");
  return { source, joints: out };
}

/** A `mayalink-skeleton/1` JSON document (see the engine's skeleton/file.rs). */
export function parseSkeletonJson(text: string): Skeleton {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(`the skeleton file is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const d = doc as { format?: unknown; units?: unknown; joints?: unknown };
  if (typeof d !== "object" || d === null || !Array.isArray(d.joints)) throw invalid("not a mayalink-skeleton/1 skeleton: no joints array");
  if (d.format !== "mayalink-skeleton/1") throw invalid(`unsupported skeleton format '${String(d.format)}' (expected mayalink-skeleton/1)`);
  const unit = d.units === undefined ? "m" : String(d.units);
  const scale = UNITS[unit];
  if (scale === undefined) throw invalid(`unknown units '${unit}' (m, cm, mm or in)`);
  const raw = d.joints as Array<{ name?: unknown; parent?: unknown; offset?: unknown; orient?: unknown }>;
  const joints = raw.map((j) => {
    if (typeof j.name !== "string" || j.name === "") throw invalid("a joint has no name");
    let parent: string | null = null;
    if (typeof j.parent === "string") parent = j.parent;
    else if (typeof j.parent === "number") {
      const p = raw[j.parent];
      if (!p || typeof p.name !== "string") throw invalid(`'${j.name}' has a parent index out of range`);
      parent = p.name;
    }
    const off = Array.isArray(j.offset) ? (j.offset as number[]) : [0, 0, 0];
    const orient = Array.isArray(j.orient) ? (j.orient as number[]) : [0, 0, 0, 1];
    return {
      name: j.name,
      parent,
      offset: [off[0]! * scale, off[1]! * scale, off[2]! * scale] as Vec3,
      orient: quatNormalize(orient),
    };
  });
  return orderSkeleton(joints, "file");
}

/**
 * A BVH file's HIERARCHY (MOTION is ignored). End Sites become joints named `<parent>_End`.
 * No unit field in BVH: a skeleton taller than 10 units is taken to be in centimetres.
 */
export function parseBvhHierarchy(text: string): Skeleton {
  const tokens = text.replace(/[{}]/g, " $& ").split(/\s+/).filter(Boolean);
  const bad = (m: string) => invalid(`not a BVH hierarchy: ${m}`);
  if (tokens[0]?.toUpperCase() !== "HIERARCHY") throw bad("the file does not start with HIERARCHY");
  const joints: Array<{ name: string; parent: string | null; offset: Vec3; orient: Quat }> = [];
  const stack: number[] = [];
  let pending: number | null = null;
  const names = new Set<string>();
  for (let i = 1; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const up = tok.toUpperCase();
    if (up === "MOTION") break;
    if (up === "ROOT" || up === "JOINT") {
      const name = tokens[++i];
      if (!name) throw bad(`${tok} without a name`);
      if (up === "JOINT" && stack.length === 0) throw bad(`JOINT ${name} outside any ROOT`);
      if (names.has(name)) throw bad(`two joints are named '${name}'`);
      names.add(name);
      const parent = stack.length ? joints[stack[stack.length - 1]!]!.name : null;
      joints.push({ name, parent, offset: [0, 0, 0], orient: [0, 0, 0, 1] });
      pending = joints.length - 1;
    } else if (up === "END") {
      if (tokens[++i]?.toUpperCase() !== "SITE") throw bad("End not followed by Site");
      const parentIndex = stack[stack.length - 1];
      if (parentIndex === undefined) throw bad("End Site outside any joint");
      const base = `${joints[parentIndex]!.name}_End`;
      let name = base;
      for (let k = 2; names.has(name); k++) name = `${base}${k}`;
      names.add(name);
      joints.push({ name, parent: joints[parentIndex]!.name, offset: [0, 0, 0], orient: [0, 0, 0, 1] });
      pending = joints.length - 1;
    } else if (tok === "{") {
      if (pending === null) throw bad("'{' without a joint");
      stack.push(pending);
      pending = null;
    } else if (tok === "}") {
      if (stack.pop() === undefined) throw bad("unbalanced '}'");
    } else if (up === "OFFSET") {
      const current = stack[stack.length - 1];
      if (current === undefined) throw bad("OFFSET outside any joint");
      const v = [tokens[i + 1], tokens[i + 2], tokens[i + 3]].map(Number);
      if (v.some((x) => !Number.isFinite(x))) throw bad("OFFSET needs three numbers");
      joints[current]!.offset = v as Vec3;
      i += 3;
    } else if (up === "CHANNELS") {
      const n = Number(tokens[i + 1]);
      if (!Number.isInteger(n) || n < 0) throw bad("CHANNELS needs a count");
      i += 1 + n;
    } else {
      throw bad(`unexpected '${tok}'`);
    }
  }
  if (stack.length !== 0) throw bad("missing '}'");
  if (joints.length === 0) throw bad("no ROOT");
  // Units: guess from the height of the rest pose.
  const skeleton = orderSkeleton(joints, "bvh");
  const ys: number[] = [];
  skeleton.joints.forEach((j, i) => (ys[i] = (j.parent === null ? 0 : ys[j.parent]!) + j.offset[1]));
  const height = Math.max(...ys) - Math.min(...ys, 0);
  const scale = height > 10 ? 0.01 : 1;
  for (const j of skeleton.joints) j.offset = [j.offset[0] * scale, j.offset[1] * scale, j.offset[2] * scale];
  return skeleton;
}

/** Skeleton files the fake's file system holds (the artist's "Load skeleton file…"). */
export function fakeSkeletonFiles(): Record<string, string> {
  const humanoid = new FakeCharacter("humanoid").skeleton;
  const json = {
    format: "mayalink-skeleton/1",
    units: "cm",
    joints: humanoid.joints.map((j) => ({
      name: j.name,
      parent: j.parent === null ? null : humanoid.joints[j.parent]!.name,
      offset: j.offset.map((v) => Math.round(v * 1000) / 10),
    })),
  };
  // BVH in centimetres; leaf joints get an End Site so their chain ends visibly.
  const children = new Map<number, number[]>();
  humanoid.joints.forEach((j, i) => {
    if (j.parent !== null) children.set(j.parent, [...(children.get(j.parent) ?? []), i]);
  });
  const lines: string[] = ["HIERARCHY"];
  const cm = (v: number) => (Math.round(v * 1000) / 10).toFixed(2);
  const write = (i: number, depth: number) => {
    const j = humanoid.joints[i]!;
    const pad = "  ".repeat(depth);
    lines.push(`${pad}${j.parent === null ? "ROOT" : "JOINT"} ${j.name}`, `${pad}{`);
    lines.push(`${pad}  OFFSET ${j.offset.map(cm).join(" ")}`);
    lines.push(`${pad}  CHANNELS ${j.parent === null ? "6 Xposition Yposition Zposition Zrotation Xrotation Yrotation" : "3 Zrotation Xrotation Yrotation"}`);
    const kids = children.get(i) ?? [];
    for (const c of kids) write(c, depth + 1);
    if (kids.length === 0) lines.push(`${pad}  End Site`, `${pad}  {`, `${pad}    OFFSET 0.00 0.00 0.00`, `${pad}  }`);
    lines.push(`${pad}}`);
  };
  write(0, 0);
  lines.push("MOTION", "Frames: 1", "Frame Time: 0.0333333", new Array(6 + 3 * (humanoid.joints.length - 1)).fill("0").join(" "));
  return {
    "/home/artist/skeletons/mixamo_humanoid.json": JSON.stringify(json, null, 2),
    "/home/artist/skeletons/walk_cycle.bvh": lines.join("\n") + "\n",
  };
}

export const FAKE_SKELETON_BVH = "/home/artist/skeletons/walk_cycle.bvh";
export const FAKE_SKELETON_JSON = "/home/artist/skeletons/mixamo_humanoid.json";

// ---- Command presets (the engine's command_presets) ------------------------------------------

export const FAKE_COMMAND_PRESETS: readonly CommandPreset[] = [
  {
    id: "selectByUuid",
    label: "Select joint",
    description: "Select the joint in Mosketch (replaces the selection).",
    template: { object: "scene", command: "selectByUuid", parameters: { uuid: "{uuid}", eraseGroup: "1", toggleIfSelected: "1" } },
    needsUuid: true,
  },
  {
    id: "setSketchableOn",
    label: "Make sketchable",
    description: "Let the joint be moved by sketching.",
    template: { object: "joint", command: "setSketchable", parameters: { uuid: "{uuid}", sketchable: "true" } },
    needsUuid: true,
  },
  {
    id: "setSketchableOff",
    label: "Make not sketchable",
    description: "Lock the joint against sketching.",
    template: { object: "joint", command: "setSketchable", parameters: { uuid: "{uuid}", sketchable: "false" } },
    needsUuid: true,
  },
  {
    id: "wireframeOn",
    label: "Show wireframe",
    description: "Show the character's wireframe in Mosketch.",
    template: { object: "scene", command: "setWireframeVisibility", parameters: { visible: "true" } },
    needsUuid: false,
  },
  {
    id: "wireframeOff",
    label: "Hide wireframe",
    description: "Hide the character's wireframe in Mosketch.",
    template: { object: "scene", command: "setWireframeVisibility", parameters: { visible: "false" } },
    needsUuid: false,
  },
  {
    id: "attachNumIKEffector",
    label: "Add IK effectors",
    description: "Add position effectors to the selected joints.",
    template: { object: "scene", command: "attachNumIKEffector", parameters: {} },
    needsUuid: false,
  },
];

// ---- The simulated link ---------------------------------------------------------------------

export interface FakeMosketchSettings {
  character: FakeCharacterKind;
  /** Frames per second the simulated Mosketch streams at. */
  rateHz: number;
  /** Parents and rest offsets ride in the Hierarchy (off: the real server's names only). */
  sendSkeleton: boolean;
  /** Every odd frame carries only every third joint. */
  partial: boolean;
  /** A malformed packet or an unknown type every 7 frames. */
  garbage: boolean;
  /** The simulated build accepts only this hierarchy-ack spelling (null: both). */
  onlyAck: HierarchyAckSpelling | null;
  /** Connect at start (as the demo does). */
  autoConnect: boolean;
}

export const DEFAULT_FAKE_MOSKETCH: FakeMosketchSettings = {
  character: "humanoid",
  rateHz: 60,
  sendSkeleton: true,
  partial: false,
  garbage: false,
  onlyAck: null,
  autoConnect: false,
};

/** `?fakeMosketch=connect,noskeleton,creature,partial,garbage,ackSuspect,rate=30`. */
export function fakeMosketchFromQuery(search: string): Partial<FakeMosketchSettings> {
  const value = new URLSearchParams(search).get("fakeMosketch");
  const out: Partial<FakeMosketchSettings> = {};
  if (!value) return out;
  for (const word of value.split(",").map((w) => w.trim())) {
    if (word === "connect") out.autoConnect = true;
    else if (word === "noskeleton") out.sendSkeleton = false;
    else if (word === "creature") {
      out.character = "creature";
      out.rateHz ??= 120;
    } else if (word === "partial") out.partial = true;
    else if (word === "garbage") out.garbage = true;
    else if (word === "ackSuspect") out.onlyAck = "HierarchyInitializedAck";
    else if (/^rate=\d+(\.\d+)?$/.test(word)) out.rateHz = Number(word.slice(5));
  }
  return out;
}

export interface FakeMosketchOptions {
  latencyMs: number;
  now?: () => number;
  /** Console lines (the real app posts Mosketch notices under the session "mosketch"). */
  publish?: (lines: ConsoleLine[]) => void;
  settings?: Partial<FakeMosketchSettings>;
  /** Whether a Maya session is connected (for skeleton queries). */
  mayaConnected?: (session: string) => boolean;
  /** Runs a pose delivery (default: at most every 16 ms on a timer, as the engine's forwarder). */
  nextFrame?: (fn: () => void) => void;
}

interface Session {
  config: MosketchConfig;
  status: MosketchStatus;
  hierarchy: MosketchHierarchy | null;
  pose: PoseSnapshot | null;
  timers: Set<ReturnType<typeof setTimeout>>;
  stream: ReturnType<typeof setInterval> | null;
  statsTimer: ReturnType<typeof setInterval> | null;
  /** Frame times (ms) of the last second, for frames/s. */
  recent: number[];
  startedAt: number;
  framesSent: number;
  lastFrameAt: number | null;
  attempt: number;
  /** A pose the artist sent: Mosketch shows it until this time. */
  holdUntil: number;
  held: MosketchPoseJoint[] | null;
}

let nextHierarchyId = 1;

/** The engine forwards the pose at most once per this many ms. */
export const POSE_FRAME_MS = 16;

const notConnected = (): AppError => ({ code: "invalid_input", message: "Not connected to Mosketch: connect first." });

export class FakeMosketch {
  readonly settings: FakeMosketchSettings;
  readonly character: FakeCharacter;
  /** Commands and poses received from the app, newest last (test hooks). */
  readonly commands: MosketchCommand[] = [];
  readonly poses: MosketchPoseJoint[][] = [];
  readonly files: Map<string, string> = new Map(Object.entries(fakeSkeletonFiles()));
  /** What the next skeleton file dialog returns (undefined: the BVH; null: cancelled). */
  nextSkeletonPath: string | null | undefined = undefined;

  #opts: FakeMosketchOptions;
  #now: () => number;
  #session: Session | null = null;
  #listeners = new Set<MosketchHandlers>();
  #deliveryPending = false;
  #deliveredAt = -Infinity;

  constructor(options: FakeMosketchOptions) {
    this.#opts = options;
    this.#now = options.now ?? Date.now;
    this.settings = { ...DEFAULT_FAKE_MOSKETCH, ...options.settings };
    this.character = new FakeCharacter(this.settings.character);
    if (this.settings.autoConnect) void this.connect();
  }

  get status(): MosketchStatus | null {
    return this.#session ? copy(this.#session.status) : null;
  }

  #delay(ms = this.#opts.latencyMs): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  #notice(text: string) {
    this.#opts.publish?.([{ session: "mosketch", kind: "notice", text, timeMs: this.#now() }]);
  }

  #after(s: Session, ms: number, fn: () => void) {
    const t = setTimeout(() => {
      s.timers.delete(t);
      if (this.#session === s) fn();
    }, ms);
    s.timers.add(t);
  }

  #emitStatus() {
    const st = this.#session ? this.#session.status : null;
    for (const l of this.#listeners) l.onStatus(st ? copy(st) : null);
  }

  #emitHierarchy() {
    const h = this.#session?.hierarchy ?? null;
    for (const l of this.#listeners) l.onHierarchy(h ? copy(h) : null);
  }

  /**
   * Poses reach subscribers at most once per frame (16 ms), newest only — as the engine's
   * forwarder does: the newest pose goes out, then nothing until a frame has passed.
   */
  #schedulePose() {
    if (this.#deliveryPending) return;
    this.#deliveryPending = true;
    const run = () => {
      this.#deliveryPending = false;
      const pose = this.#session?.pose;
      if (!pose) return;
      this.#deliveredAt = this.#now();
      for (const l of this.#listeners) l.onPose(copy(pose));
    };
    const wait = this.#deliveredAt + POSE_FRAME_MS - this.#now();
    if (this.#opts.nextFrame) this.#opts.nextFrame(run);
    else if (wait <= 0) run();
    else setTimeout(run, wait);
  }

  async subscribe(handlers: MosketchHandlers): Promise<() => void> {
    await this.#delay();
    const h: MosketchHandlers = { ...handlers };
    let live = true;
    const guarded: MosketchHandlers = {
      onStatus: (s) => live && h.onStatus(s),
      onHierarchy: (x) => live && h.onHierarchy(x),
      onPose: (p) => live && h.onPose(p),
    };
    this.#listeners.add(guarded);
    const s = this.#session;
    guarded.onStatus(s ? copy(s.status) : null);
    guarded.onHierarchy(s?.hierarchy ? copy(s.hierarchy) : null);
    if (s?.pose) guarded.onPose(copy(s.pose));
    return () => {
      live = false;
      this.#listeners.delete(guarded);
    };
  }

  async connect(config: Partial<MosketchConfig> = {}): Promise<void> {
    await this.#delay();
    this.#stop();
    const full: MosketchConfig = { ...DEFAULT_MOSKETCH_CONFIG, ...config };
    const address = full.host.includes(":") ? `[${full.host}]:${full.port}` : `${full.host}:${full.port}`;
    const s: Session = {
      config: full,
      status: {
        address,
        connection: { kind: "connecting" },
        ackSpelling: full.ackSpelling,
        jointSpace: full.jointSpace,
        orientMode: full.orientMode,
        hierarchyId: 0,
        jointCount: 0,
        hasSkeleton: false,
        stats: emptyStats(),
        warning: null,
        lastError: null,
      },
      hierarchy: null,
      pose: null,
      timers: new Set(),
      stream: null,
      statsTimer: null,
      recent: [],
      startedAt: 0,
      framesSent: 0,
      lastFrameAt: null,
      attempt: 0,
      holdUntil: 0,
      held: null,
    };
    this.#session = s;
    this.#emitStatus();
    this.#emitHierarchy();
    s.statsTimer = setInterval(() => this.#refreshStats(s), 250);
    this.#dial(s);
  }

  /** One connection attempt: refused for ports 1–1023 or the host "unreachable". */
  #dial(s: Session) {
    s.status.connection = { kind: "connecting" };
    this.#emitStatus();
    this.#after(s, Math.max(40, this.#opts.latencyMs), () => {
      const refused = (s.config.port >= 1 && s.config.port <= 1023) || s.config.host === "unreachable";
      if (refused) {
        const reason = `Mosketch's streaming server is not reachable at ${s.status.address} — enable streaming in Mosketch`;
        s.status.lastError = { code: "unreachable", message: reason };
        if (s.config.reconnect) {
          const inMs = Math.min(s.config.reconnectMaxMs, s.config.reconnectInitialMs * 2 ** s.attempt);
          s.attempt++;
          s.status.stats.reconnects++;
          s.status.connection = { kind: "reconnecting", inMs };
          this.#emitStatus();
          this.#after(s, inMs, () => this.#dial(s));
        } else {
          s.status.connection = { kind: "failed", reason };
          this.#emitStatus();
        }
        return;
      }
      s.attempt = 0;
      this.#notice(`Connected to Mosketch at ${s.status.address}.`);
      this.#handshake(s);
    });
  }

  #handshake(s: Session) {
    const c = this.character;
    const id = nextHierarchyId++;
    s.hierarchy = { id, joints: [...c.names], skeleton: this.settings.sendSkeleton ? copy(c.skeleton) : null };
    s.pose = {
      hierarchyId: id,
      frame: 0,
      timeMs: this.#now(),
      joints: c.names.map((name) => ({ name, uuid: null, anatom: null, r: [0, 0, 0, 1], t: null, lastFrame: 0 })),
      stats: s.status.stats,
    };
    Object.assign(s.status, { connection: { kind: "handshaking" }, hierarchyId: id, jointCount: c.names.length, hasSkeleton: this.settings.sendSkeleton, warning: null });
    this.#emitStatus();
    this.#emitHierarchy();
    this.#schedulePose();
    this.#notice(`Hierarchy: ${c.names.length} joints${this.settings.sendSkeleton ? " with a skeleton" : " (names only)"}.`);
    const accepted = this.settings.onlyAck === null || this.settings.onlyAck === s.status.ackSpelling;
    if (!accepted) {
      this.#after(s, s.config.uuidsTimeoutMs, () => {
        const sent = s.status.ackSpelling;
        const suggested: HierarchyAckSpelling = sent === "AckHierarchyInitialized" ? "HierarchyInitializedAck" : "AckHierarchyInitialized";
        s.status.warning = `Mosketch sent no joint uuids within ${(s.config.uuidsTimeoutMs / 1000).toFixed(1)} s of the hierarchy acknowledgement (${sent}). This Mosketch build may expect the other spelling: try ${suggested}.`;
        this.#emitStatus();
        this.#notice(s.status.warning);
      });
      return;
    }
    this.#after(s, Math.max(20, this.#opts.latencyMs / 2), () => {
      s.pose!.joints.forEach((j, i) => (j.uuid = c.uuids[i] ?? null));
      this.#notice(`Joint uuids: ${c.names.length}.`);
      this.#startStream(s);
    });
  }

  #startStream(s: Session) {
    s.startedAt = this.#now();
    s.framesSent = 0;
    const period = 1000 / this.settings.rateHz;
    const tick = () => {
      const due = Math.floor((this.#now() - s.startedAt) / period) + 1;
      if (due <= s.framesSent) return;
      // Frames arrive and are acked; only the newest one's values matter for the pose.
      while (s.framesSent < due - 1) this.#countFrame(s, ++s.framesSent, false);
      this.#countFrame(s, ++s.framesSent, true);
      this.#schedulePose();
    };
    s.stream = setInterval(tick, Math.max(4, Math.floor(period / 2)));
    tick();
  }

  /** Frame `n` arrives: counted, acked; its values applied when `apply`. */
  #countFrame(s: Session, n: number, apply: boolean) {
    const t = this.#now();
    const st = s.status.stats;
    const pose = s.pose!;
    st.frames++;
    s.recent.push(t);
    s.lastFrameAt = t;
    const partial = this.settings.partial && n % 2 === 1;
    if (partial) st.partial++;
    if (this.settings.garbage && n % 7 === 0) {
      if (n % 14 === 0) {
        st.unknown++;
        st.lastUnknownType = "SceneChanged";
      } else {
        st.malformed++;
        st.lastMalformed = "expected ',' or '}' at byte 412 (resynchronised at the next '{')";
      }
    }
    if (s.status.connection.kind !== "streaming") {
      s.status.connection = { kind: "streaming" };
      this.#notice("First frame received: streaming.");
      this.#emitStatus();
    }
    pose.frame++;
    if (!apply) return;
    pose.timeMs = t;
    const c = this.character;
    const held = s.held && t < s.holdUntil ? s.held : null;
    const values = c.toSpace(c.poseAt(n, 1 / this.settings.rateHz), s.status.jointSpace);
    const heldByName = held ? new Map(held.map((j) => [j.Name, j])) : null;
    for (let i = 0; i < pose.joints.length; i++) {
      if (partial && i % 3 !== 0) continue;
      const j = pose.joints[i]!;
      const v = values[i]!;
      const h = heldByName?.get(j.name);
      j.anatom = c.anatom(i);
      j.r = h?.R ? [...h.R] : v.r;
      j.t = j.anatom === 7 ? (h?.T ? [...h.T] : v.t) : null;
      j.lastFrame = pose.frame;
    }
    pose.stats = st;
  }

  #refreshStats(s: Session) {
    if (this.#session !== s) return;
    const t = this.#now();
    s.recent = s.recent.filter((x) => x > t - 1000);
    const st = s.status.stats;
    st.framesPerSecond = s.recent.length;
    st.lastFrameAgeMs = s.lastFrameAt === null ? null : Math.max(0, Math.round(t - s.lastFrameAt));
    if (st.frames > 0) {
      // Simulated ack latency (µs), a little noisy but deterministic per frame count.
      const wobble = (st.frames % 11) * 3;
      st.ackLatencyP50Us = 72 + wobble;
      st.ackLatencyP99Us = 240 + wobble * 4;
      st.ackLatencySamples = Math.min(st.frames, s.config.latencySamples);
    }
    this.#emitStatus();
  }

  #stop() {
    const s = this.#session;
    if (!s) return;
    for (const t of s.timers) clearTimeout(t);
    if (s.stream !== null) clearInterval(s.stream);
    if (s.statsTimer !== null) clearInterval(s.statsTimer);
    this.#session = null;
  }

  async disconnect(): Promise<void> {
    await this.#delay();
    if (!this.#session) return;
    this.#stop();
    this.#notice("Disconnected from Mosketch.");
    this.#emitStatus();
    this.#emitHierarchy();
  }

  #require(): Session {
    if (!this.#session) throw notConnected();
    return this.#session;
  }

  async setJointSpace(space: JointSpace): Promise<void> {
    await this.#delay();
    const s = this.#require();
    s.status.jointSpace = space;
    this.commands.push({ object: "scene", command: "setStreamingJointSpace", parameters: { jointSpace: space } });
    this.#emitStatus();
  }

  async setOrientMode(mode: OrientMode): Promise<void> {
    await this.#delay();
    const s = this.#require();
    s.status.orientMode = mode;
    this.commands.push({ object: "scene", command: "setStreamingJointOrientMode", parameters: { jointOrientMode: mode === "keep" ? "1" : "0" } });
    this.#emitStatus();
  }

  /** Changing the spelling mid-handshake starts the handshake over (as the engine does). */
  async setAckSpelling(spelling: HierarchyAckSpelling): Promise<void> {
    await this.#delay();
    const s = this.#require();
    s.status.ackSpelling = spelling;
    s.config.ackSpelling = spelling;
    const waiting = s.status.connection.kind === "handshaking";
    s.status.warning = null;
    this.#emitStatus();
    if (waiting) {
      for (const t of s.timers) clearTimeout(t);
      s.timers.clear();
      this.#notice("Reconnecting to Mosketch as asked.");
      this.#dial(s);
    }
  }

  async sendCommand(command: MosketchCommand): Promise<void> {
    await this.#delay();
    this.#require();
    if (typeof command.command !== "string" || command.command === "") throw { code: "invalid_input", message: "A command needs a name." } satisfies AppError;
    for (const [k, v] of Object.entries(command.parameters)) {
      if (typeof v !== "string") throw { code: "invalid_input", message: `Parameter ${k} must be a string.` } satisfies AppError;
    }
    this.commands.push(copy(command));
  }

  /** Mosketch takes the pose; the simulated one holds it for 1.5 s before animating again. */
  async sendPose(joints: MosketchPoseJoint[]): Promise<void> {
    await this.#delay();
    const s = this.#require();
    this.poses.push(copy(joints));
    s.held = copy(joints);
    s.holdUntil = this.#now() + 1500;
  }

  async commandPresets(): Promise<CommandPreset[]> {
    await this.#delay();
    return copy([...FAKE_COMMAND_PRESETS]);
  }

  /** As the engine: the joints of `names` that exist in that Maya's scene, in metres. */
  async skeletonFromMaya(session: string, names: string[]): Promise<Skeleton> {
    await this.#delay(Math.max(this.#opts.latencyMs, 60));
    if (!(this.#opts.mayaConnected?.(session) ?? false)) {
      throw { code: "invalid_input", message: `Maya session "${session}" is not connected: connect it first.` } satisfies AppError;
    }
    const wanted = new Set(names);
    const sk = this.character.skeleton;
    const kept = sk.joints.map((j, i) => ({ j, i })).filter(({ j }) => wanted.has(j.name));
    if (kept.length === 0) {
      throw { code: "invalid_input", message: "None of Mosketch's joints exist in that Maya scene (names must match exactly)." } satisfies AppError;
    }
    return orderSkeleton(
      kept.map(({ j }) => ({
        name: j.name,
        parent: j.parent !== null && wanted.has(sk.joints[j.parent]!.name) ? sk.joints[j.parent]!.name : null,
        offset: [...j.offset] as Vec3,
        orient: [...j.orient] as Quat,
      })),
      "maya",
    );
  }

  async skeletonLoadFile(path: string): Promise<Skeleton> {
    await this.#delay();
    const text = this.files.get(path);
    if (text === undefined) throw { code: "io", message: `Could not read ${path}: No such file or directory (os error 2)` } satisfies AppError;
    return path.toLowerCase().endsWith(".bvh") ? parseBvhHierarchy(text) : parseSkeletonJson(text);
  }

  async pickSkeletonFile(): Promise<string | null> {
    await this.#delay();
    const next = this.nextSkeletonPath;
    this.nextSkeletonPath = undefined;
    return next === undefined ? FAKE_SKELETON_BVH : next;
  }

  /** Stops everything (tests). */
  dispose() {
    this.#stop();
    this.#listeners.clear();
  }
}

export function emptyStats(): StreamStats {
  return {
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
}
