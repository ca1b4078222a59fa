import { describe, expect, it, vi } from "vitest";
import type { Backend, SessionsHandler } from "../backend/backend";
import { stubBackend } from "../test-support/stub-backend";
import type { SessionView } from "../bindings/SessionView";
import { SessionsState } from "./sessions-state.svelte";

const view = (id: string, active: boolean, state: SessionView["status"]["state"] = { state: "connected" }): SessionView => ({
  id,
  spec: { name: id, address: ":7001", color: null, autoConnect: true },
  demo: false,
  active,
  status: { id, name: id, address: "127.0.0.1:7001", state, info: null, alive: false, holdingPort: false, lastError: null },
});

function pushedBackend() {
  let push: SessionsHandler = () => {};
  let resolveSet: () => void = () => {};
  const backend: Backend = stubBackend({
    subscribeSessions: async (h) => {
      push = h;
      return () => {};
    },
    setActiveSession: () => new Promise<void>((r) => (resolveSet = r)),
  });
  return { backend, push: (l: SessionView[]) => push(l), resolveSet: () => resolveSet() };
}

describe("SessionsState", () => {
  it("shows what went wrong restoring the saved sessions; an engine that cannot say is not an error", async () => {
    const warning = "Saved sessions were unreadable (EOF); the file was kept as /c/sessions.json.corrupt.";
    const s = new SessionsState();
    await s.attach(stubBackend({ subscribeSessions: async () => () => {}, startupWarnings: async () => [warning] }));
    await vi.waitFor(() => expect(s.startupWarnings).toEqual([warning]));
    s.detach();
    const older = new SessionsState();
    await older.attach(stubBackend({ subscribeSessions: async () => () => {} }));
    await Promise.resolve();
    expect(older.startupWarnings).toEqual([]);
    expect(older.error).toBeNull();
    older.detach();
  });

  it("switches the active session at once, and a stale list does not switch it back", async () => {
    const { backend, push, resolveSet } = pushedBackend();
    const s = new SessionsState();
    await s.attach(backend);
    push([view("a", true), view("b", false)]);
    expect(s.active?.id).toBe("a");
    const switching = s.setActive("b");
    expect(s.active?.id).toBe("b");
    push([view("a", true), view("b", false)]); // sent before the engine heard of the switch
    expect(s.active?.id).toBe("b");
    resolveSet();
    await switching;
    push([view("a", false), view("b", true)]);
    push([view("a", true), view("b", false)]); // the engine (or another window) switched again
    expect(s.active?.id).toBe("a");
    s.detach();
  });

  it("Ctrl+N picks the n-th session; names outlive removed sessions; a clock ticks while busy", async () => {
    vi.useFakeTimers();
    try {
      const { backend, push } = pushedBackend();
      const s = new SessionsState();
      await s.attach(backend);
      push([view("a", true), view("b", false, { state: "busy", sinceMs: 0 })]);
      expect(s.activateNth(2)).toBe(true);
      expect(s.activateNth(3)).toBe(false);
      const before = s.now;
      await vi.advanceTimersByTimeAsync(250);
      expect(s.now).toBeGreaterThan(before);
      push([view("a", true)]);
      expect(s.nameOf("b")).toBe("b");
      expect(s.connected.map((x) => x.id)).toEqual([]); // no info: not connected
      s.detach();
    } finally {
      vi.useRealTimers();
    }
  });
});
