// How a Maya session's state reads in the sidebar: a label, a tone for its colour, the
// detail lines (port kind, Maya version, scene, pid), elapsed times and countdowns, and
// when to show the "open the port" help or the security-dialog hint.
import type { MayaInfo } from "../bindings/MayaInfo";
import type { SessionState } from "../bindings/SessionState";
import type { SessionView } from "../bindings/SessionView";

export type StateTone = "ok" | "busy" | "warn" | "danger" | "idle";

export interface StateSummary {
  label: string;
  tone: StateTone;
}

/** A reply slower than this may be Maya's security dialog waiting for a click. */
export const SLOW_REPLY_MS = 3000;

/** "0.4 s", "12 s", "2 min 05 s", "1 h 02 min". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/**
 * The state as the artist reads it. `nowMs` is the wall clock; `receivedAtMs` is when this
 * state arrived (a reconnect countdown runs from then).
 */
export function summarizeState(state: SessionState, nowMs: number, receivedAtMs: number = nowMs): StateSummary {
  switch (state.state) {
    case "connecting":
      return { label: "Connecting…", tone: "busy" };
    case "connected":
      return { label: "Connected", tone: "ok" };
    case "busy":
      return { label: `Running · ${formatElapsed(nowMs - state.sinceMs)}`, tone: "busy" };
    case "reconnecting": {
      const left = Math.max(0, state.inMs - (nowMs - receivedAtMs));
      const attempt = state.attempt > 1 ? ` (attempt ${state.attempt})` : "";
      return { label: left > 0 ? `Reconnecting in ${Math.ceil(left / 1000)} s${attempt}` : `Reconnecting…${attempt}`, tone: "warn" };
    }
    case "lost":
      return { label: "Lost", tone: "danger" };
    case "disconnected":
      return { label: "Not connected", tone: "idle" };
  }
}

export function isConnected(view: SessionView): boolean {
  const s = view.status.state.state;
  return view.status.info !== null && (s === "connected" || s === "busy");
}

export function isBusy(view: SessionView): boolean {
  return view.status.state.state === "busy";
}

/** Milliseconds the current run has taken, or null when not busy. */
export function busyFor(view: SessionView, nowMs: number): number | null {
  const s = view.status.state;
  return s.state === "busy" ? Math.max(0, nowMs - s.sinceMs) : null;
}

/** The run has waited long enough that Maya's security dialog is a likely cause. */
export function isSlowReply(view: SessionView, nowMs: number): boolean {
  return (busyFor(view, nowMs) ?? 0) >= SLOW_REPLY_MS;
}

/** Connect can be offered (not connected, not on its way). */
export function canConnect(view: SessionView): boolean {
  const s = view.status.state.state;
  return s === "disconnected" || s === "lost" || (s === "reconnecting" && view.status.info === null);
}

/** Show the "open the port in Maya" help: the last attempt could not reach it. */
export function needsPortHelp(view: SessionView): boolean {
  if (view.demo) return false;
  return view.status.lastError?.code === "unreachable" || view.status.state.state === "lost";
}

/** "Python port · Maya 2025 · pid 48213" */
export function describeInfo(info: MayaInfo): string {
  const kind = info.portKind === "python" ? "Python port" : "MEL port";
  return [kind, info.mayaVersion ? `Maya ${info.mayaVersion}` : null, info.pid ? `pid ${info.pid}` : null]
    .filter(Boolean)
    .join(" · ");
}

/** The scene's file name ("untitled" when empty), and the full path for a tooltip. */
export function describeScene(info: MayaInfo): { name: string; path: string } {
  if (!info.scene) return { name: "untitled scene", path: "" };
  const name = info.scene.split(/[\\/]/).pop() || info.scene;
  return { name, path: info.scene };
}

/** The TCP port in what the artist typed (":7001", "host:7001", "7001"); null for a socket path. */
export function portOfAddress(address: string): number | null {
  const t = address.trim();
  if (t.startsWith("/") || t.startsWith("unix:")) return null;
  const m = /(?:^|:)(\d{1,5})$/.exec(t);
  if (!m) return null;
  const port = Number(m[1]);
  return port > 0 && port < 65536 ? port : null;
}

/** A problem with an address, worded for the artist, or null when it looks right. */
export function validateAddress(address: string): string | null {
  const t = address.trim();
  if (t === "") return "Enter the port Maya opened, e.g. :7001 or localhost:7001";
  if (t.startsWith("/") || t.startsWith("unix:")) return null;
  if (portOfAddress(t) === null) return `"${t}" is not a Maya address: use host:port (e.g. localhost:7001 or :7001) or a Unix socket path`;
  return null;
}

/** A name for a new session: "Maya :7001" (unique among `taken`). */
export function suggestName(address: string, taken: readonly string[]): string {
  const port = portOfAddress(address);
  const host = address.trim().replace(/:\d+$/, "");
  const base = port === null ? `Maya ${address.trim().split("/").pop() ?? ""}`.trim() : host && host !== "localhost" && host !== "127.0.0.1" ? `Maya ${host}:${port}` : `Maya :${port}`;
  let name = base;
  for (let n = 2; taken.includes(name); n++) name = `${base} (${n})`;
  return name;
}

/** Session colours offered in the form (readable on both themes). */
export const SESSION_COLORS = ["#35c9b4", "#62b4ff", "#c39bff", "#f2c14e", "#ff8a65", "#f06292", "#7ee08f", "#a1887f"] as const;

/** The colour of a session: its own, else one picked from its position. */
export function sessionColor(view: SessionView, position: number): string {
  return view.spec.color ?? (SESSION_COLORS[position % SESSION_COLORS.length] as string);
}

/** An engine message without the "open the port with: …" tail (the card shows it as a snippet). */
export function withoutPortSnippet(message: string): string {
  const cut = message.indexOf(" In Maya's Script Editor");
  return cut > 0 ? message.slice(0, cut) : message;
}
