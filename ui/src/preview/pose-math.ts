// Pose maths of the preview, in plain TypeScript (no three.js, unit-tested): quaternions
// [x, y, z, w], Euler angles for display, and the one-pass world-transform solver that
// turns Mosketch's parent-local rotations (or the skeleton's rest orients) into world
// positions and rotations. Units: metres, Y up, right-handed (Mosketch = Maya's frame).
import type { JointPose } from "../bindings/JointPose";
import type { JointSpace } from "../bindings/JointSpace";
import type { OrientMode } from "../bindings/OrientMode";
import type { Skeleton } from "../bindings/Skeleton";

export type Quat = [number, number, number, number];
export type Vec3 = [number, number, number];

export const IDENTITY: Quat = [0, 0, 0, 1];
const DEG = 180 / Math.PI;

/** a·b (apply b first, then a), as plain numbers. */
export function quatMul(a: readonly number[], b: readonly number[]): Quat {
  const [ax, ay, az, aw] = a as Quat;
  const [bx, by, bz, bw] = b as Quat;
  return [
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  ];
}

export function quatFromAxisAngle(axis: Vec3, radians: number): Quat {
  const len = Math.hypot(axis[0], axis[1], axis[2]) || 1;
  const s = Math.sin(radians / 2) / len;
  return [axis[0] * s, axis[1] * s, axis[2] * s, Math.cos(radians / 2)];
}

export function quatNormalize(q: readonly number[]): Quat {
  const [x, y, z, w] = q as Quat;
  const len = Math.hypot(x, y, z, w);
  if (!(len > 1e-12) || !Number.isFinite(len)) return [0, 0, 0, 1];
  return [x / len, y / len, z / len, w / len];
}

/** q·v·q⁻¹ for a unit quaternion. */
export function rotateVec(q: readonly number[], v: readonly number[]): Vec3 {
  const [qx, qy, qz, qw] = q as Quat;
  const [vx, vy, vz] = v as Vec3;
  // t = 2 q×v; v' = v + w t + q×t
  const tx = 2 * (qy * vz - qz * vy);
  const ty = 2 * (qz * vx - qx * vz);
  const tz = 2 * (qx * vy - qy * vx);
  return [vx + qw * tx + (qy * tz - qz * ty), vy + qw * ty + (qz * tx - qx * tz), vz + qw * tz + (qx * ty - qy * tx)];
}

/**
 * Euler angles in degrees for Maya's rotate order `xyz` (rotate about X first, then Y,
 * then Z, in the parent's axes: q = qz·qy·qx), which is what an animator types in the
 * channel box. At gimbal lock (|Y| = 90°) X is set to 0 and Z takes the whole twist.
 */
export function quatToEulerXYZ(q: readonly number[]): Vec3 {
  const [x, y, z, w] = quatNormalize(q);
  const m00 = 1 - 2 * (y * y + z * z);
  const m01 = 2 * (x * y - z * w);
  const m10 = 2 * (x * y + z * w);
  const m11 = 1 - 2 * (x * x + z * z);
  const m20 = 2 * (x * z - y * w);
  const m21 = 2 * (y * z + x * w);
  const m22 = 1 - 2 * (x * x + y * y);
  const sy = Math.max(-1, Math.min(1, -m20));
  const ry = Math.asin(sy);
  let rx: number;
  let rz: number;
  if (Math.abs(sy) < 0.9999995) {
    rx = Math.atan2(m21, m22);
    rz = Math.atan2(m10, m00);
  } else {
    rx = 0;
    rz = Math.atan2(-m01, m11);
  }
  const clean = (r: number) => {
    const d = r * DEG;
    return Object.is(d, -0) || Math.abs(d) < 5e-10 ? 0 : d;
  };
  return [clean(rx), clean(ry), clean(rz)];
}

/** The inverse of quatToEulerXYZ: degrees in Maya's xyz order to a quaternion. */
export function eulerXYZToQuat(deg: Vec3): Quat {
  const qx = quatFromAxisAngle([1, 0, 0], deg[0] / DEG);
  const qy = quatFromAxisAngle([0, 1, 0], deg[1] / DEG);
  const qz = quatFromAxisAngle([0, 0, 1], deg[2] / DEG);
  return quatMul(qz, quatMul(qy, qx));
}

// ---- The world-transform solver --------------------------------------------------------

/** What one joint of the skeleton gets from the stream this frame. */
export interface LocalSample {
  /** The joint has been streamed at least once (else its rest orient is used). */
  streamed: boolean;
  r: readonly number[];
  /** Translation in metres of a 6-DoF joint (Anatom 7), else null. */
  t: readonly number[] | null;
}

/**
 * What a streamed joint contributes: its R once a frame carried it (`lastFrame > 0`), and its
 * T only for a 6-DoF joint (Anatom 7). Reuses `out` (the per-frame pass allocates nothing).
 */
export function jointSample(
  j: Pick<JointPose, "r" | "t" | "anatom" | "lastFrame">,
  out: LocalSample = { streamed: false, r: IDENTITY, t: null },
): LocalSample {
  out.streamed = j.lastFrame > 0;
  out.r = j.r;
  out.t = j.anatom === 7 && j.t ? j.t : null;
  return out;
}

/**
 * A skeleton flattened into typed arrays for the per-frame pass. Joints are parents-first
 * (every parent index is smaller than its child's), as `Skeleton` guarantees.
 */
export class SolverSkeleton {
  readonly count: number;
  readonly names: readonly string[];
  readonly parents: Int32Array;
  readonly offsets: Float64Array;
  readonly orients: Float64Array;
  readonly index: ReadonlyMap<string, number>;

  constructor(skeleton: Skeleton) {
    const n = skeleton.joints.length;
    this.count = n;
    this.names = skeleton.joints.map((j) => j.name);
    this.parents = new Int32Array(n);
    this.offsets = new Float64Array(3 * n);
    this.orients = new Float64Array(4 * n);
    const index = new Map<string, number>();
    skeleton.joints.forEach((j, i) => {
      const p = j.parent ?? -1;
      // A parent after its child would break the one-pass order: treat it as a root.
      this.parents[i] = p >= 0 && p < i ? p : -1;
      this.offsets.set(j.offset, 3 * i);
      this.orients.set(quatNormalize(j.orient), 4 * i);
      index.set(j.name, i);
    });
    this.index = index;
  }
}

export interface SolveOptions {
  space?: JointSpace;
  orientMode?: OrientMode;
}

/**
 * World transforms in ONE pass over the parents-first joints, written into `pos` (3 per
 * joint, metres) and `rot` (4 per joint, [x,y,z,w]).
 *
 * Per joint: local rotation = the streamed R when the joint has been streamed, else the
 * skeleton's rest orient; local translation = the streamed T for a 6-DoF joint, else the
 * rest offset. In `Parent` space (the default) world = parentWorld · local. With orient
 * mode `discard` the stream leaves the joint orient out, so it is put back: local =
 * orient · R. In `World` space R is already the world rotation (and T a world position);
 * in `ParentInWorld` space R is the rotation relative to the parent in world axes
 * (world = R · parentWorld) and T a world-axes offset from the parent.
 */
export function solveWorld(
  sk: SolverSkeleton,
  sample: (joint: number) => LocalSample | null,
  pos: Float64Array,
  rot: Float64Array,
  options: SolveOptions = {},
): void {
  const space = options.space ?? "Parent";
  const discard = options.orientMode === "discard";
  const { parents, offsets, orients } = sk;
  for (let i = 0; i < sk.count; i++) {
    const s = sample(i);
    const o4 = 4 * i;
    const o3 = 3 * i;
    const rest: Quat = [orients[o4]!, orients[o4 + 1]!, orients[o4 + 2]!, orients[o4 + 3]!];
    const streamed = s !== null && s.streamed;
    let local: Quat = streamed ? quatNormalize(s.r) : rest;
    if (streamed && discard && space === "Parent") local = quatMul(rest, local);
    const t = streamed && s.t ? s.t : null;
    const p = parents[i]!;
    let wq: Quat;
    let wp: Vec3;
    if (p < 0) {
      wq = local;
      wp = t ? [t[0]!, t[1]!, t[2]!] : [offsets[o3]!, offsets[o3 + 1]!, offsets[o3 + 2]!];
    } else {
      const pq: Quat = [rot[4 * p]!, rot[4 * p + 1]!, rot[4 * p + 2]!, rot[4 * p + 3]!];
      const pp: Vec3 = [pos[3 * p]!, pos[3 * p + 1]!, pos[3 * p + 2]!];
      if (streamed && space === "World") wq = local;
      else if (streamed && space === "ParentInWorld") wq = quatMul(local, pq);
      else wq = quatMul(pq, local);
      if (t && space === "World") wp = [t[0]!, t[1]!, t[2]!];
      else if (t && space === "ParentInWorld") wp = [pp[0] + t[0]!, pp[1] + t[1]!, pp[2] + t[2]!];
      else {
        const d = rotateVec(pq, t ?? [offsets[o3]!, offsets[o3 + 1]!, offsets[o3 + 2]!]);
        wp = [pp[0] + d[0], pp[1] + d[1], pp[2] + d[2]];
      }
    }
    pos[o3] = wp[0];
    pos[o3 + 1] = wp[1];
    pos[o3 + 2] = wp[2];
    rot[o4] = wq[0];
    rot[o4 + 1] = wq[1];
    rot[o4 + 2] = wq[2];
    rot[o4 + 3] = wq[3];
  }
}
