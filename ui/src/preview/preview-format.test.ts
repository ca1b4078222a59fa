import { describe, expect, it } from "vitest";
import type { CommandPreset } from "../bindings/CommandPreset";
import type { Skeleton } from "../bindings/Skeleton";
import {
  describeConnection,
  fillPreset,
  fmtAckLatency,
  fmtAge,
  fmtCm,
  fmtEuler,
  fmtFps,
  fmtQuat,
  jointValues,
  needsStreamingHint,
  otherSpelling,
  parseMosketchAddress,
  restPose,
} from "./preview-format";

describe("connection states", () => {
  it("labels every state, with the reconnect countdown running from the status", () => {
    expect(describeConnection(null).label).toBe("Not connected");
    expect(describeConnection({ kind: "streaming" })).toEqual({ label: "Streaming", tone: "ok", detail: null });
    expect(describeConnection({ kind: "connecting" }).tone).toBe("busy");
    expect(describeConnection({ kind: "handshaking" }).label).toMatch(/Handshaking/);
    expect(describeConnection({ kind: "reconnecting", inMs: 2000 }, 500).label).toBe("Reconnecting in 1.5 s");
    expect(describeConnection({ kind: "reconnecting", inMs: 2000 }, 5000).label).toBe("Reconnecting in 0.0 s");
    expect(describeConnection({ kind: "failed", reason: "nope" })).toEqual({ label: "Failed", tone: "error", detail: "nope" });
  });

  it("asks to enable streaming when the server was not reachable", () => {
    const reason = "Mosketch's streaming server is not reachable at 127.0.0.1:16094 — enable streaming in Mosketch";
    expect(needsStreamingHint({ kind: "failed", reason }, null)).toBe(true);
    expect(needsStreamingHint({ kind: "reconnecting", inMs: 500 }, { code: "unreachable", message: reason })).toBe(true);
    expect(needsStreamingHint({ kind: "failed", reason: "protocol error" }, null)).toBe(false);
    expect(needsStreamingHint({ kind: "streaming" }, null)).toBe(false);
  });
});

describe("stats", () => {
  it("formats frames/s, ack latency (µs → ms) and ages", () => {
    expect(fmtFps(59.94)).toBe("59.9");
    expect(fmtFps(120)).toBe("120");
    expect(fmtFps(null)).toBe("—");
    expect(fmtAckLatency(85, 310)).toBe("0.09/0.31 ms");
    expect(fmtAckLatency(null, null)).toBe("—");
    expect(fmtAge(16.4)).toBe("16 ms");
    expect(fmtAge(2500)).toBe("2.5 s");
    expect(fmtAge(null)).toBe("—");
  });
});

describe("joint values", () => {
  it("quaternion, Euler degrees and centimetres, with no -0", () => {
    expect(fmtQuat([0, -0.00001, 0.7071068, 0.7071068])).toBe("0.0000  0.0000  0.7071  0.7071");
    expect(fmtEuler([0, 0, Math.SQRT1_2, Math.SQRT1_2])).toBe("0.00°  0.00°  90.00°");
    expect(fmtCm([0.012, 1.0, -0.25])).toBe("1.20  100.00  -25.00");
    expect(fmtCm(null)).toBe("—");
  });

  it("describes a joint for the details card", () => {
    const v = jointValues({ name: "Hips", uuid: "u", anatom: 7, r: [0, 0, 0, 1], t: [0, 1, 0], lastFrame: 3 });
    expect(v).toMatchObject({ translateCm: "0.00  100.00  0.00", streamed: true });
    expect(v.anatom).toMatch(/rotation \+ translation/);
    expect(jointValues({ name: "Arm", uuid: null, anatom: 5, r: [0, 0, 0, 1], t: null, lastFrame: 0 }).streamed).toBe(false);
  });
});

describe("addresses", () => {
  it("accepts host:port, :port, port, a bare host and [v6]:port", () => {
    expect(parseMosketchAddress("")).toEqual({ host: "127.0.0.1", port: 16094 });
    expect(parseMosketchAddress("192.168.1.20:16094")).toEqual({ host: "192.168.1.20", port: 16094 });
    expect(parseMosketchAddress(":17000")).toEqual({ host: "127.0.0.1", port: 17000 });
    expect(parseMosketchAddress("17000")).toEqual({ host: "127.0.0.1", port: 17000 });
    expect(parseMosketchAddress("studio-pc")).toEqual({ host: "studio-pc", port: 16094 });
    expect(parseMosketchAddress("[::1]:16094")).toEqual({ host: "::1", port: 16094 });
    expect(parseMosketchAddress("host:99999")).toBeNull();
    expect(parseMosketchAddress("a b")).toBeNull();
  });
});

describe("commands and poses", () => {
  const select: CommandPreset = {
    id: "selectByUuid",
    label: "Select joint",
    description: "",
    template: { object: "scene", command: "selectByUuid", parameters: { uuid: "{uuid}", eraseGroup: "1" } },
    needsUuid: true,
  };

  it("fills {uuid} from the picked joint, and refuses without one", () => {
    expect(fillPreset(select, "abc")).toEqual({ object: "scene", command: "selectByUuid", parameters: { uuid: "abc", eraseGroup: "1" } });
    expect(fillPreset(select, null)).toBeNull();
    expect(fillPreset({ ...select, needsUuid: false, template: { ...select.template, parameters: { visible: "true" } } }, null)).toEqual({
      object: "scene",
      command: "selectByUuid",
      parameters: { visible: "true" },
    });
  });

  it("the rest pose: rest orients, and the root's rest offset as T (metres)", () => {
    const skeleton: Skeleton = {
      source: "simulator",
      joints: [
        { name: "Hips", parent: null, offset: [0, 1, 0], orient: [0, 0, 0, 1] },
        { name: "Spine", parent: 0, offset: [0, 0.1, 0], orient: [0, 0.5, 0, 0.8660254] },
      ],
    };
    expect(restPose(["Hips", "Spine", "Unknown"], skeleton)).toEqual([
      { Name: "Hips", R: [0, 0, 0, 1], T: [0, 1, 0] },
      { Name: "Spine", R: [0, 0.5, 0, 0.8660254] },
      { Name: "Unknown", R: [0, 0, 0, 1] },
    ]);
    expect(restPose(["A"], null)).toEqual([{ Name: "A", R: [0, 0, 0, 1] }]);
  });

  it("swaps the hierarchy-ack spelling", () => {
    expect(otherSpelling("AckHierarchyInitialized")).toBe("HierarchyInitializedAck");
    expect(otherSpelling("HierarchyInitializedAck")).toBe("AckHierarchyInitialized");
  });
});
