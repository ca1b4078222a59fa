import { describe, expect, it } from "vitest";
import type { JointPose } from "../bindings/JointPose";
import type { Skeleton } from "../bindings/Skeleton";
import {
  type LocalSample,
  type Quat,
  SolverSkeleton,
  eulerXYZToQuat,
  jointSample,
  quatFromAxisAngle,
  quatMul,
  quatToEulerXYZ,
  rotateVec,
  solveWorld,
} from "./pose-math";

const D = Math.PI / 180;
const rotX = (deg: number) => quatFromAxisAngle([1, 0, 0], deg * D);
const rotY = (deg: number) => quatFromAxisAngle([0, 1, 0], deg * D);
const rotZ = (deg: number) => quatFromAxisAngle([0, 0, 1], deg * D);

function expectVec(actual: ArrayLike<number>, expected: number[], digits = 9) {
  expect(Array.from(actual).length).toBe(expected.length);
  expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, digits));
}

/** Same rotation (q and -q are the same). */
function expectSameRotation(actual: ArrayLike<number>, expected: readonly number[]) {
  const dot = Math.abs(actual[0]! * expected[0]! + actual[1]! * expected[1]! + actual[2]! * expected[2]! + actual[3]! * expected[3]!);
  expect(dot).toBeCloseTo(1, 9);
}

/** Root (at 1 m), B one metre along the root's X, C one metre along B's X. */
const chain: Skeleton = {
  source: "file",
  joints: [
    { name: "A", parent: null, offset: [0, 1, 0], orient: [0, 0, 0, 1] },
    { name: "B", parent: 0, offset: [1, 0, 0], orient: [0, 0, 0, 1] },
    { name: "C", parent: 1, offset: [1, 0, 0], orient: [0, 0, 0, 1] },
  ],
};

function joint(name: string, r: Quat, lastFrame: number, anatom: number | null = 5, t: [number, number, number] | null = null): JointPose {
  return { name, uuid: null, anatom, r, t, lastFrame };
}

/** Solves `skeleton` with the pose joints (matched by name), like the viewport does. */
function solve(skeleton: Skeleton, joints: JointPose[], options = {}) {
  const sk = new SolverSkeleton(skeleton);
  const pos = new Float64Array(3 * sk.count);
  const rot = new Float64Array(4 * sk.count);
  const byName = new Map(joints.map((j) => [j.name, j]));
  const scratch: LocalSample = { streamed: false, r: [0, 0, 0, 1], t: null };
  solveWorld(
    sk,
    (i) => {
      const j = byName.get(sk.names[i]!);
      return j ? jointSample(j, scratch) : null;
    },
    pos,
    rot,
    options,
  );
  const at = (name: string) => {
    const i = sk.index.get(name)!;
    return { pos: pos.slice(3 * i, 3 * i + 3), rot: rot.slice(4 * i, 4 * i + 4) };
  };
  return at;
}

describe("quaternions", () => {
  it("multiplies in the apply-right-first order and rotates vectors", () => {
    expectVec(rotateVec(rotZ(90), [1, 0, 0]), [0, 1, 0]);
    expectVec(rotateVec(rotY(90), [1, 0, 0]), [0, 0, -1]);
    expectVec(rotateVec(rotX(90), [0, 1, 0]), [0, 0, 1]);
    // Z then X: x → y → z.
    expectVec(rotateVec(quatMul(rotX(90), rotZ(90)), [1, 0, 0]), [0, 0, 1]);
  });
});

describe("world transforms in one pass over parents-first joints", () => {
  it("a 3-joint chain with 90° rotations (hand-checked)", () => {
    const at = solve(chain, [joint("A", rotZ(90), 1, 7, null), joint("B", rotZ(90), 1), joint("C", rotY(90), 1)]);
    // A: at its rest offset (no T streamed), turned 90° about Z.
    expectVec(at("A").pos, [0, 1, 0]);
    expectSameRotation(at("A").rot, rotZ(90));
    // B: A + Rz90·(1,0,0) = (0,2,0); turned 180° about Z.
    expectVec(at("B").pos, [0, 2, 0]);
    expectSameRotation(at("B").rot, rotZ(180));
    // C: B + Rz180·(1,0,0) = (-1,2,0); world = Rz180·Ry90.
    expectVec(at("C").pos, [-1, 2, 0]);
    expectSameRotation(at("C").rot, quatMul(rotZ(180), rotY(90)));
  });

  it("the rest pose: rest offsets and rest orients", () => {
    const oriented: Skeleton = { ...chain, joints: chain.joints.map((j, i) => (i === 1 ? { ...j, orient: rotY(90) } : j)) };
    const at = solve(oriented, []);
    expectVec(at("A").pos, [0, 1, 0]);
    expectVec(at("B").pos, [1, 1, 0]);
    // C hangs off B, whose rest orient turns X into -Z.
    expectVec(at("C").pos, [1, 1, -1]);
  });

  it("joints not streamed yet (lastFrame 0) keep their rest orient; joints from older frames keep their last R", () => {
    const oriented: Skeleton = { ...chain, joints: chain.joints.map((j, i) => (i === 1 ? { ...j, orient: rotZ(90) } : j)) };
    // Frame 2 was partial: it carried only A. B was last set by frame 1; C was never streamed.
    const at = solve(oriented, [joint("A", rotZ(0), 2), joint("B", rotY(90), 1), joint("C", [0, 0, 0, 1], 0)]);
    expectVec(at("B").pos, [1, 1, 0]);
    // B's streamed R (not its rest orient) places C: Ry90·(1,0,0) = (0,0,-1).
    expectVec(at("C").pos, [1, 1, -1]);
    // C itself: identity rest orient under B's Ry90.
    expectSameRotation(at("C").rot, rotY(90));
  });

  it("the skeleton's joints Mosketch does not stream stay at rest", () => {
    const at = solve(chain, [joint("A", rotZ(90), 3)]);
    expectVec(at("C").pos, [0, 3, 0]);
  });

  it("a 6-DoF root (Anatom 7) takes the streamed T in metres; its children follow", () => {
    const at = solve(chain, [joint("A", rotY(90), 5, 7, [0.5, 0.9, -0.2]), joint("B", [0, 0, 0, 1], 5)]);
    expectVec(at("A").pos, [0.5, 0.9, -0.2]);
    expectVec(at("B").pos, [0.5, 0.9, -1.2]);
    expectVec(at("C").pos, [0.5, 0.9, -2.2]);
  });

  it("T is used for 6-DoF joints only: a rotation-only joint keeps its rest offset", () => {
    const at = solve(chain, [joint("A", [0, 0, 0, 1], 1, 7, [0, 2, 0]), joint("B", [0, 0, 0, 1], 1, 5, [9, 9, 9])]);
    expectVec(at("B").pos, [1, 2, 0]);
    expect(jointSample(joint("B", [0, 0, 0, 1], 1, 5, [9, 9, 9])).t).toBeNull();
    expect(jointSample(joint("A", [0, 0, 0, 1], 1, 7, [1, 2, 3])).t).toEqual([1, 2, 3]);
  });

  it("a 6-DoF joint below the root takes T relative to its parent", () => {
    const at = solve(chain, [joint("A", rotZ(90), 1), joint("B", [0, 0, 0, 1], 1, 7, [2, 0, 0])]);
    expectVec(at("B").pos, [0, 3, 0]);
  });

  it("World space: R is the world rotation", () => {
    const at = solve(chain, [joint("A", rotZ(90), 1), joint("B", rotZ(90), 1)], { space: "World" });
    expectVec(at("B").pos, [0, 2, 0]);
    expectSameRotation(at("B").rot, rotZ(90));
    expectVec(at("C").pos, [0, 3, 0]);
  });

  it("ParentInWorld space: R is relative to the parent in world axes (world = R · parent)", () => {
    const at = solve(chain, [joint("A", rotZ(90), 1), joint("B", rotX(90), 1)], { space: "ParentInWorld" });
    expectSameRotation(at("B").rot, quatMul(rotX(90), rotZ(90)));
    // C = B + (Rx90·Rz90)·(1,0,0) = B + Rx90·(0,1,0) = B + (0,0,1)
    expectVec(at("C").pos, [0, 2, 1]);
  });

  it("orient mode discard: the rest orient is put back in front of R", () => {
    const oriented: Skeleton = { ...chain, joints: chain.joints.map((j, i) => (i === 1 ? { ...j, orient: rotZ(90) } : j)) };
    const keep = solve(oriented, [joint("A", [0, 0, 0, 1], 1), joint("B", rotY(90), 1)]);
    const discard = solve(oriented, [joint("A", [0, 0, 0, 1], 1), joint("B", rotY(90), 1)], { orientMode: "discard" });
    expectSameRotation(keep("B").rot, rotY(90));
    expectSameRotation(discard("B").rot, quatMul(rotZ(90), rotY(90)));
  });

  it("normalises streamed quaternions and survives a zero one", () => {
    const at = solve(chain, [joint("A", [0, 0, 2, 2], 1), joint("B", [0, 0, 0, 0], 1)]);
    expectSameRotation(at("A").rot, rotZ(90));
    expectSameRotation(at("B").rot, rotZ(90));
  });

  it("treats a parent listed after its child as a root (never reads an unsolved parent)", () => {
    const bad: Skeleton = {
      source: "file",
      joints: [
        { name: "X", parent: 1, offset: [1, 0, 0], orient: [0, 0, 0, 1] },
        { name: "Y", parent: null, offset: [0, 5, 0], orient: [0, 0, 0, 1] },
      ],
    };
    const at = solve(bad, []);
    expectVec(at("X").pos, [1, 0, 0]);
  });
});

describe("quaternion → Euler XYZ degrees (Maya rotate order xyz)", () => {
  it("identity and single-axis rotations", () => {
    expectVec(quatToEulerXYZ([0, 0, 0, 1]), [0, 0, 0]);
    expectVec(quatToEulerXYZ(rotX(30)), [30, 0, 0]);
    expectVec(quatToEulerXYZ(rotY(-45)), [0, -45, 0]);
    expectVec(quatToEulerXYZ(rotZ(120)), [0, 0, 120]);
  });

  it("X is applied first, then Y, then Z (q = qz·qy·qx)", () => {
    const q = quatMul(rotZ(30), quatMul(rotY(20), rotX(10)));
    expectVec(quatToEulerXYZ(q), [10, 20, 30]);
    // Not the other order.
    const other = quatMul(rotX(10), quatMul(rotY(20), rotZ(30)));
    expect(quatToEulerXYZ(other)[0]).not.toBeCloseTo(10, 3);
  });

  it("round-trips through eulerXYZToQuat, and q and -q give the same angles", () => {
    for (const e of [
      [12.5, -33, 71],
      [-170, 45, -10],
      [90, 10, -90],
      [0.001, 89, 0],
    ] as const) {
      const q = eulerXYZToQuat([e[0], e[1], e[2]]);
      expectVec(quatToEulerXYZ(q), [...e], 6);
      expectVec(quatToEulerXYZ(q.map((v) => -v)), [...e], 6);
    }
  });

  it("gimbal lock (Y = ±90°): X is 0 and Z carries the twist, the rotation is unchanged", () => {
    const q = quatMul(rotZ(40), quatMul(rotY(90), rotX(25)));
    const e = quatToEulerXYZ(q);
    expect(e[0]).toBe(0);
    expect(e[1]).toBeCloseTo(90, 4);
    expectSameRotation(eulerXYZToQuat(e), q);
  });

  it("accepts an unnormalised quaternion", () => {
    expectVec(quatToEulerXYZ(rotX(30).map((v) => v * 3)), [30, 0, 0]);
  });
});
