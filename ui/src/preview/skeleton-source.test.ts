import { describe, expect, it } from "vitest";
import type { MosketchHierarchy } from "../bindings/MosketchHierarchy";
import type { Skeleton } from "../bindings/Skeleton";
import { filterRows, jointRows } from "./joint-rows";
import { autoQueryKey, autoQueryTarget, bindPose, chooseSkeleton, describeSource, matchCount } from "./skeleton-source";

const sk = (source: Skeleton["source"], names: string[]): Skeleton => ({
  source,
  joints: names.map((name, i) => ({ name, parent: i === 0 ? null : i - 1, offset: [0, 0.1, 0], orient: [0, 0, 0, 1] })),
});
const hierarchy = (id: number, joints: string[], skeleton: Skeleton | null = null): MosketchHierarchy => ({ id, joints, skeleton });

describe("which skeleton the preview draws", () => {
  it("first the Hierarchy's own skeleton, even when a file is loaded", () => {
    const own = sk("simulator", ["Hips", "Spine"]);
    const c = chooseSkeleton(hierarchy(1, ["Hips", "Spine"], own), sk("file", ["Hips", "Spine"]));
    expect(c).toEqual({ kind: "hierarchy", skeleton: own, matched: 2 });
  });

  it("else one from Maya or a file, while it shares joint names with the character", () => {
    const loaded = sk("maya", ["Hips", "Spine", "Extra"]);
    expect(chooseSkeleton(hierarchy(1, ["Hips", "Spine", "Head"]), loaded)).toEqual({ kind: "loaded", skeleton: loaded, matched: 2 });
  });

  it("else none: with nothing loaded, or with a skeleton of another character (mismatch)", () => {
    expect(chooseSkeleton(hierarchy(1, ["Hips"]), null)).toEqual({ kind: "none", mismatch: false });
    expect(chooseSkeleton(hierarchy(1, ["Hips"]), sk("bvh", ["Root", "Tail"]))).toEqual({ kind: "none", mismatch: true });
    expect(chooseSkeleton(hierarchy(1, ["Hips"], { source: "hierarchy", joints: [] }), null).kind).toBe("none");
    expect(chooseSkeleton(null, null)).toEqual({ kind: "none", mismatch: false });
  });

  it("a loaded skeleton shows at rest before any character arrives", () => {
    const loaded = sk("file", ["Hips"]);
    expect(chooseSkeleton(null, loaded)).toEqual({ kind: "loaded", skeleton: loaded, matched: 0 });
  });

  it("counts matching names and describes sources", () => {
    expect(matchCount(sk("file", ["a", "b", "c"]), ["b", "c", "d"])).toBe(2);
    expect(describeSource("maya")).toMatch(/Maya/);
    expect(describeSource("bvh")).toMatch(/BVH/);
    expect(describeSource("hierarchy")).toMatch(/Hierarchy/);
  });
});

describe("asking the active Maya on its own", () => {
  const base = { hierarchy: hierarchy(4, ["Hips", "Spine"]), loaded: null, mayaSession: "m1", tried: new Set<string>(), busy: false };

  it("when the Hierarchy has no skeleton and a Maya is connected, once per (hierarchy, session)", () => {
    expect(autoQueryTarget(base)).toBe("m1");
    expect(autoQueryTarget({ ...base, tried: new Set([autoQueryKey(4, "m1")]) })).toBeNull();
    expect(autoQueryTarget({ ...base, tried: new Set([autoQueryKey(3, "m1")]) })).toBe("m1");
  });

  it("not when a skeleton is there, no Maya is connected, nothing is streamed, or a query runs", () => {
    expect(autoQueryTarget({ ...base, hierarchy: hierarchy(4, ["Hips"], sk("hierarchy", ["Hips"])) })).toBeNull();
    expect(autoQueryTarget({ ...base, loaded: sk("file", ["Hips"]) })).toBeNull();
    expect(autoQueryTarget({ ...base, mayaSession: null })).toBeNull();
    expect(autoQueryTarget({ ...base, hierarchy: null })).toBeNull();
    expect(autoQueryTarget({ ...base, busy: true })).toBeNull();
  });

  it("does ask again when the loaded skeleton belongs to another character", () => {
    expect(autoQueryTarget({ ...base, loaded: sk("file", ["Tail"]) })).toBe("m1");
  });
});

describe("pose joints onto skeleton joints", () => {
  it("maps by exact name; missing ones are -1", () => {
    expect(Array.from(bindPose(["Hips", "Spine", "Head"], ["Spine", "Hips", "hips"]))).toEqual([1, 0, -1]);
  });
});

describe("the joint list", () => {
  const tree: Skeleton = {
    source: "file",
    joints: [
      { name: "Hips", parent: null, offset: [0, 1, 0], orient: [0, 0, 0, 1] },
      { name: "Spine", parent: 0, offset: [0, 0.1, 0], orient: [0, 0, 0, 1] },
      { name: "LeftUpLeg", parent: 0, offset: [0.1, 0, 0], orient: [0, 0, 0, 1] },
      { name: "Head", parent: 1, offset: [0, 0.5, 0], orient: [0, 0, 0, 1] },
    ],
  };

  it("is the skeleton's tree depth-first, then streamed joints the skeleton lacks", () => {
    const rows = jointRows(["Hips", "Spine", "Head", "LeftUpLeg", "Prop"], tree);
    expect(rows.map((r) => `${"  ".repeat(r.depth)}${r.name}`)).toEqual(["Hips", "  Spine", "    Head", "  LeftUpLeg", "Prop"]);
    expect(rows.find((r) => r.name === "Prop")).toEqual({ name: "Prop", depth: 0, streamed: true, drawn: false });
  });

  it("is the Hierarchy's order without a skeleton", () => {
    expect(jointRows(["B", "A"], null).map((r) => r.name)).toEqual(["B", "A"]);
  });

  it("filters by name, case-insensitive, flat", () => {
    const rows = filterRows(jointRows(["Hips", "Spine", "Head", "LeftUpLeg"], tree), "  he ");
    expect(rows.map((r) => [r.name, r.depth])).toEqual([["Head", 0]]);
    expect(filterRows(jointRows(["Hips"], tree), "").length).toBe(4);
  });
});
