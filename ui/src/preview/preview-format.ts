// Words and numbers of the preview and pose monitor: connection states, stream stats, joint
// values (quaternion, Euler degrees, centimetres), addresses, command presets and the
// "reset to rest pose" packet. Pure functions, unit-tested.
import type { AppError } from "../bindings/AppError";
import type { CommandPreset } from "../bindings/CommandPreset";
import type { ConnectionState } from "../bindings/ConnectionState";
import type { HierarchyAckSpelling } from "../bindings/HierarchyAckSpelling";
import type { JointPose } from "../bindings/JointPose";
import type { MosketchCommand } from "../bindings/MosketchCommand";
import type { Skeleton } from "../bindings/Skeleton";
import type { MosketchPoseJoint } from "../backend/backend";
import { quatToEulerXYZ } from "./pose-math";

export const MOSKETCH_PORT = 16094;
export const ENABLE_STREAMING_HINT =
  "In Mosketch, enable streaming (its streaming server is off until you turn it on), then connect again.";

export type Tone = "idle" | "busy" | "ok" | "warn" | "error";

export interface ConnectionView {
  label: string;
  tone: Tone;
  /** Longer words: the countdown, the failure reason. */
  detail: string | null;
}

/** `receivedAgoMs`: time since the status arrived (the reconnect countdown runs from then). */
export function describeConnection(state: ConnectionState | null, receivedAgoMs = 0): ConnectionView {
  if (!state) return { label: "Not connected", tone: "idle", detail: null };
  switch (state.kind) {
    case "disconnected":
      return { label: "Disconnected", tone: "idle", detail: null };
    case "connecting":
      return { label: "Connecting…", tone: "busy", detail: null };
    case "handshaking":
      return { label: "Handshaking…", tone: "busy", detail: "Waiting for Mosketch's joints" };
    case "streaming":
      return { label: "Streaming", tone: "ok", detail: null };
    case "reconnecting": {
      const left = Math.max(0, state.inMs - receivedAgoMs);
      return { label: `Reconnecting in ${(left / 1000).toFixed(left < 10_000 ? 1 : 0)} s`, tone: "warn", detail: null };
    }
    case "failed":
      return { label: "Failed", tone: "error", detail: state.reason };
  }
}

/** The session ended on "not reachable": tell the artist to turn streaming on. */
export function needsStreamingHint(state: ConnectionState | null, lastError: AppError | null): boolean {
  if (!state) return false;
  const text = state.kind === "failed" ? state.reason : state.kind === "reconnecting" ? (lastError?.message ?? "") : "";
  return /not reachable|refused|enable streaming/i.test(text) || (state.kind === "reconnecting" && lastError?.code === "unreachable");
}

export const fmtFps = (fps: number | null | undefined): string =>
  fps === null || fps === undefined ? "—" : fps >= 100 ? fps.toFixed(0) : fps.toFixed(1);

/** Microseconds to "0.08 ms" (or "—"). */
export function fmtUs(us: number | null | undefined): string {
  if (us === null || us === undefined) return "—";
  const ms = us / 1000;
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`;
}

export function fmtAckLatency(p50Us: number | null, p99Us: number | null): string {
  if (p50Us === null && p99Us === null) return "—";
  return `${fmtUs(p50Us).replace(" ms", "")}/${fmtUs(p99Us)}`;
}

export function fmtAge(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min`;
}

const num = (v: number, digits: number) => {
  const s = v.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
};

export const fmtQuat = (q: readonly number[]): string => q.map((v) => num(v, 4)).join("  ");

export const fmtEuler = (q: readonly number[], digits = 2): string =>
  quatToEulerXYZ(q)
    .map((v) => `${num(v, digits)}°`)
    .join("  ");

/** Metres to centimetres, for a 6-DoF joint's T. */
export const fmtCm = (t: readonly number[] | null): string =>
  t === null ? "—" : t.map((v) => num(v * 100, 2)).join("  ");

export function describeAnatom(anatom: number | null): string {
  if (anatom === null) return "— (not streamed yet)";
  if (anatom === 5) return "5 · rotation only";
  if (anatom === 7) return "7 · rotation + translation";
  return `${anatom} · unknown code`;
}

export function otherSpelling(s: HierarchyAckSpelling): HierarchyAckSpelling {
  return s === "AckHierarchyInitialized" ? "HierarchyInitializedAck" : "AckHierarchyInitialized";
}

/** "host:port", ":port", "port" or "host" to { host, port }; null when it is not an address. */
export function parseMosketchAddress(text: string): { host: string; port: number } | null {
  const t = text.trim();
  if (t === "") return { host: "127.0.0.1", port: MOSKETCH_PORT };
  const portOnly = /^:?(\d{1,5})$/.exec(t);
  const withPort = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(t);
  let host: string;
  let port: number;
  if (portOnly) {
    host = "127.0.0.1";
    port = Number(portOnly[1]);
  } else if (withPort) {
    host = withPort[1] ?? withPort[2]!;
    port = Number(withPort[3]);
  } else if (/^[A-Za-z0-9.\-_]+$/.test(t)) {
    host = t;
    port = MOSKETCH_PORT;
  } else return null;
  if (port < 1 || port > 65535) return null;
  return { host, port };
}

/** The preset's command with `{uuid}` filled in; null when it needs a uuid we do not have. */
export function fillPreset(preset: CommandPreset, uuid: string | null): MosketchCommand | null {
  if (preset.needsUuid && !uuid) return null;
  const parameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(preset.template.parameters)) parameters[k] = v === "{uuid}" ? (uuid ?? "") : v;
  return { object: preset.template.object, command: preset.template.command, parameters };
}

/**
 * The rest pose as a JointsStream body: every joint of the character that the skeleton
 * knows gets its rest orient as R; roots also get their rest offset as T (metres). With no
 * skeleton, identity rotations.
 */
export function restPose(names: readonly string[], skeleton: Skeleton | null): MosketchPoseJoint[] {
  const byName = new Map(skeleton?.joints.map((j) => [j.name, j]) ?? []);
  return names.map((Name) => {
    const j = byName.get(Name);
    if (!j) return { Name, R: [0, 0, 0, 1] };
    const out: MosketchPoseJoint = { Name, R: [...j.orient] };
    if (j.parent === null) out.T = [...j.offset];
    return out;
  });
}

/** A joint's values as the details card shows them. */
export function jointValues(j: JointPose) {
  const streamed = j.lastFrame > 0;
  return {
    quat: fmtQuat(j.r),
    euler: fmtEuler(j.r),
    translateCm: fmtCm(j.anatom === 7 || j.t ? j.t : null),
    anatom: describeAnatom(j.anatom),
    streamed,
  };
}
