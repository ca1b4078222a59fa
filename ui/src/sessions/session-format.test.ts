import { describe, expect, it } from "vitest";
import type { SessionView } from "../bindings/SessionView";
import { openPortSnippet, userSetupFolder, userSetupSnippet } from "./connection-hints";
import {
  canConnect,
  describeInfo,
  describeScene,
  formatElapsed,
  isSlowReply,
  needsPortHelp,
  portOfAddress,
  suggestName,
  summarizeState,
  validateAddress,
  withoutPortSnippet,
} from "./session-format";

function view(state: SessionView["status"]["state"], extra: Partial<SessionView["status"]> = {}): SessionView {
  return {
    id: "m1",
    spec: { name: "Anim", address: ":7001", color: null, autoConnect: true },
    demo: false,
    active: true,
    status: { id: "m1", name: "Anim", address: "127.0.0.1:7001", state, info: null, alive: false, holdingPort: false, lastError: null, ...extra },
  };
}

describe("session state wording", () => {
  it("formats elapsed times", () => {
    expect(formatElapsed(400)).toBe("0.4 s");
    expect(formatElapsed(12_300)).toBe("12 s");
    expect(formatElapsed(125_000)).toBe("2 min 05 s");
    expect(formatElapsed(3_720_000)).toBe("1 h 02 min");
    expect(formatElapsed(-5)).toBe("0.0 s");
  });

  it("summarizes each state with a tone", () => {
    expect(summarizeState({ state: "connecting" }, 0)).toEqual({ label: "Connecting…", tone: "busy" });
    expect(summarizeState({ state: "connected" }, 0)).toEqual({ label: "Connected", tone: "ok" });
    expect(summarizeState({ state: "busy", sinceMs: 1000 }, 5200)).toEqual({ label: "Running · 4.2 s", tone: "busy" });
    expect(summarizeState({ state: "lost", reason: "gone" }, 0)).toEqual({ label: "Lost", tone: "danger" });
    expect(summarizeState({ state: "disconnected" }, 0)).toEqual({ label: "Not connected", tone: "idle" });
  });

  it("counts a reconnect down from when the state arrived", () => {
    const s = { state: "reconnecting" as const, inMs: 5000, attempt: 2 };
    expect(summarizeState(s, 10_000, 10_000).label).toBe("Reconnecting in 5 s (attempt 2)");
    expect(summarizeState(s, 12_100, 10_000).label).toBe("Reconnecting in 3 s (attempt 2)");
    expect(summarizeState(s, 16_000, 10_000).label).toBe("Reconnecting… (attempt 2)");
    expect(summarizeState({ ...s, attempt: 1 }, 10_000, 10_000).label).toBe("Reconnecting in 5 s");
  });

  it("knows when to offer connect, the port help and the security-dialog hint", () => {
    expect(canConnect(view({ state: "disconnected" }))).toBe(true);
    expect(canConnect(view({ state: "connected" }))).toBe(false);
    expect(needsPortHelp(view({ state: "lost", reason: "x" }))).toBe(true);
    expect(needsPortHelp(view({ state: "disconnected" }, { lastError: { code: "unreachable", message: "no" } }))).toBe(true);
    expect(needsPortHelp({ ...view({ state: "lost", reason: "x" }), demo: true })).toBe(false);
    expect(isSlowReply(view({ state: "busy", sinceMs: 0 }), 2999)).toBe(false);
    expect(isSlowReply(view({ state: "busy", sinceMs: 0 }), 3000)).toBe(true);
    expect(isSlowReply(view({ state: "connected" }), 99_999)).toBe(false);
  });

  it("describes Maya's info and scene", () => {
    const info = { portKind: "mel" as const, mayaVersion: "2024", pythonVersion: "3.10", pid: 42, scene: "/p/shot/walk.ma", user: "me", helperVersion: "1", label: null };
    expect(describeInfo(info)).toBe("MEL port · Maya 2024 · pid 42");
    expect(describeScene(info)).toEqual({ name: "walk.ma", path: "/p/shot/walk.ma" });
    expect(describeScene({ ...info, scene: "" }).name).toBe("untitled scene");
  });
});

describe("addresses and snippets", () => {
  it("reads ports and validates what artists type", () => {
    expect(portOfAddress(":7001")).toBe(7001);
    expect(portOfAddress("localhost:7002")).toBe(7002);
    expect(portOfAddress("7003")).toBe(7003);
    expect(portOfAddress("/tmp/maya.sock")).toBeNull();
    expect(portOfAddress("host:99999")).toBeNull();
    expect(validateAddress(":7001")).toBeNull();
    expect(validateAddress("/tmp/sock")).toBeNull();
    expect(validateAddress("")).toMatch(/:7001/);
    expect(validateAddress("maya")).toMatch(/host:port/);
  });

  it("suggests unique names", () => {
    expect(suggestName(":7001", [])).toBe("Maya :7001");
    expect(suggestName("localhost:7001", ["Maya :7001"])).toBe("Maya :7001 (2)");
    expect(suggestName("farm-04:7001", [])).toBe("Maya farm-04:7001");
  });

  it("gives the exact commandPort line and a userSetup.py", () => {
    expect(openPortSnippet(7001)).toBe('cmds.commandPort(name=":7001", sourceType="python")');
    expect(openPortSnippet("/tmp/maya.sock")).toBe('cmds.commandPort(name="/tmp/maya.sock", sourceType="python")');
    const setup = userSetupSnippet(7005);
    expect(setup).toContain('cmds.commandPort(name=":7005", sourceType="python")');
    expect(setup).toContain("executeDeferred");
  });

  it("names the scripts folder Maya reads userSetup.py from on each OS", () => {
    expect(userSetupFolder("linux", "2025")).toBe("~/maya/2025/scripts");
    expect(userSetupFolder("windows", "2025")).toBe("Documents\\maya\\2025\\scripts");
    expect(userSetupFolder("macos", "2024")).toBe("~/Library/Preferences/Autodesk/maya/2024/scripts");
    expect(userSetupFolder("linux")).toBe("~/maya/<version>/scripts");
  });

  it("drops the engine's snippet tail from messages (the card shows it)", () => {
    expect(withoutPortSnippet("Maya is not reachable at x (refused). In Maya's Script Editor (Python tab), open the port with: cmds…")).toBe(
      "Maya is not reachable at x (refused).",
    );
  });
});
