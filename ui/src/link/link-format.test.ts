import { describe, expect, it } from "vitest";
import type { Mapping } from "../bindings/Mapping";
import {
  chooseTargets,
  filterMappingRows,
  fmtMs,
  fmtPair,
  fmtRate,
  fmtUs,
  leafName,
  mappingCounts,
  mappingRows,
  nodeChoices,
  shortWarning,
} from "./link-format";

const MAPPING: Mapping = {
  pairs: [
    { mosketch: "Hips", maya: "|rig|mixamorig:Hips", kind: "joint", overridden: false, rotateOrder: "xyz" },
    { mosketch: "Spine", maya: "|rig|mixamorig:Hips|Torso", kind: "transform", overridden: true, rotateOrder: null },
  ],
  ambiguous: [{ mosketch: "Head", candidates: ["|a:Head", "|b:Head"] }],
  unmappedMosketch: ["LeftToe_End"],
  unmappedMaya: ["|rig|Extra", "|rig|mixamorig:Hips|Spine"],
};

describe("mapping rows", () => {
  it("one row per Mosketch joint in the character's order, with its status", () => {
    const rows = mappingRows(MAPPING, ["Hips", "Spine", "Head", "LeftToe_End"]);
    expect(rows.map((r) => [r.mosketch, r.status, r.maya])).toEqual([
      ["Hips", "mapped", "|rig|mixamorig:Hips"],
      ["Spine", "manual", "|rig|mixamorig:Hips|Torso"],
      ["Head", "ambiguous", null],
      ["LeftToe_End", "unmapped", null],
    ]);
    expect(rows[2]!.candidates).toEqual(["|a:Head", "|b:Head"]);
  });

  it("without an order (or joints it does not name): problems first", () => {
    expect(mappingRows(MAPPING).map((r) => r.status)).toEqual(["ambiguous", "unmapped", "manual", "mapped"]);
    expect(mappingRows(MAPPING, ["Spine"]).map((r) => r.mosketch)).toEqual(["Spine", "Head", "LeftToe_End", "Hips"]);
  });

  it("filters by either name and by attention", () => {
    const rows = mappingRows(MAPPING);
    expect(filterMappingRows(rows, "torso", "all").map((r) => r.mosketch)).toEqual(["Spine"]);
    expect(filterMappingRows(rows, "", "attention").map((r) => r.mosketch)).toEqual(["Head", "LeftToe_End"]);
    expect(filterMappingRows(rows, "head", "attention").map((r) => r.mosketch)).toEqual(["Head"]);
  });

  it("counts both sides", () => {
    expect(mappingCounts(MAPPING)).toEqual({ mapped: 2, manual: 1, ambiguous: 1, unmappedMosketch: 1, unmappedMaya: 2 });
  });

  it("offers candidates, free Maya joints and the nodes other joints drive, never the row's own", () => {
    const [hips] = mappingRows(MAPPING, ["Hips"]);
    expect(nodeChoices(hips!, MAPPING)).toEqual({
      candidates: [],
      free: ["|rig|Extra", "|rig|mixamorig:Hips|Spine"],
      taken: ["|rig|mixamorig:Hips|Torso"],
    });
    const head = mappingRows(MAPPING).find((r) => r.mosketch === "Head")!;
    expect(nodeChoices(head, MAPPING).candidates).toEqual(["|a:Head", "|b:Head"]);
    expect(leafName("|rig|mixamorig:Hips")).toBe("mixamorig:Hips");
    expect(leafName("Hips")).toBe("Hips");
  });
});

describe("warnings", () => {
  it("cut DAG paths to their leaf, namespaces kept", () => {
    expect(shortWarning("|Hips|Spine|LeftHand.rotateX is locked: the link leaves it alone.")).toBe("LeftHand.rotateX is locked: the link leaves it alone.");
    expect(shortWarning("|rig|mixamorig:Hips.translateY is connected")).toBe("mixamorig:Hips.translateY is connected");
    expect(shortWarning("Hips.rotateX is locked")).toBe("Hips.rotateX is locked");
    expect(shortWarning("Sending Maya's pose to Mosketch failed: not connected")).toBe("Sending Maya's pose to Mosketch failed: not connected");
  });
});

describe("targets", () => {
  it("the active connected Maya until the artist ticks; then their ticks among the connected", () => {
    expect(chooseTargets(null, ["a", "b"], "b")).toEqual(["b"]);
    expect(chooseTargets(null, ["a", "b"], "c")).toEqual(["a"]);
    expect(chooseTargets(null, [], null)).toEqual([]);
    expect(chooseTargets(["b", "gone"], ["a", "b"], "a")).toEqual(["b"]);
    expect(chooseTargets([], ["a", "b"], "a")).toEqual([]);
  });
});

describe("figures", () => {
  it("formats milliseconds, microseconds, pairs and rates", () => {
    expect(fmtMs(1.234)).toBe("1.2 ms");
    expect(fmtMs(16.7)).toBe("17 ms");
    expect(fmtMs(null)).toBe("—");
    expect(fmtUs(420.4)).toBe("420 µs");
    expect(fmtUs(1300)).toBe("1.3 ms");
    expect(fmtPair(1.2, 3.4, fmtMs)).toBe("1.2 · 3.4 ms");
    expect(fmtPair(420, 1300, fmtUs)).toBe("420 µs · 1.3 ms");
    expect(fmtPair(1.2, null, fmtMs)).toBe("1.2 ms · —");
    expect(fmtPair(null, null, fmtMs)).toBe("—");
    expect(fmtRate(59.64)).toBe("59.6");
    expect(fmtRate(0)).toBe("0");
    expect(fmtRate(240.2)).toBe("240");
  });
});
