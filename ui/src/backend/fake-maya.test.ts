import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConsoleLine } from "../bindings/ConsoleLine";
import type { SessionView } from "../bindings/SessionView";
import { DEMO_SESSION_NAME, FAKE_CONNECT_MS, FakeMaya, parseFakeAddress } from "./fake-maya";
import { simulateMel, simulatePython } from "./fake-python";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function world() {
  const published: ConsoleLine[] = [];
  const maya = new FakeMaya({ latencyMs: 10, now: () => 1000, publish: (l) => published.push(...l) });
  return { maya, published, texts: (session?: string) => published.filter((l) => !session || l.session === session).map((l) => [l.kind, l.text]) };
}

async function settle<T>(p: Promise<T>, ms = 2000): Promise<T> {
  await vi.advanceTimersByTimeAsync(ms);
  return p;
}

const spec = (address: string, name = "") => ({ name, address, color: null, autoConnect: true });

describe("fake Maya: sessions", () => {
  it("parses addresses like the engine", () => {
    expect(parseFakeAddress(":7001")).toEqual({ display: "127.0.0.1:7001", port: 7001 });
    expect(parseFakeAddress("7002").display).toBe("127.0.0.1:7002");
    expect(parseFakeAddress("farm:7003").display).toBe("farm:7003");
    expect(parseFakeAddress("[::1]:7001").display).toBe("[::1]:7001");
    expect(parseFakeAddress("/tmp/maya.sock")).toEqual({ display: "/tmp/maya.sock", port: null });
    expect(() => parseFakeAddress("maya")).toThrow();
    try {
      parseFakeAddress(":0");
    } catch (e) {
      expect(e).toMatchObject({ code: "invalid_input", message: expect.stringMatching(/host:port/) });
    }
  });

  it("adds, connects with latency (connecting → connected) and lists; the first is active", async () => {
    const { maya, texts } = world();
    const lists: SessionView[][] = [];
    await settle(maya.subscribe((l) => lists.push(l)), 20);
    const view = await settle(maya.add(spec(":7001", "Anim")), 50);
    expect(view).toMatchObject({ spec: { name: "Anim" }, active: true, demo: false, status: { state: { state: "disconnected" } } });
    const connecting = maya.connect(view.id);
    await vi.advanceTimersByTimeAsync(20);
    expect(lists.at(-1)?.[0]?.status.state.state).toBe("connecting");
    const info = await settle(connecting, FAKE_CONNECT_MS);
    expect(info).toMatchObject({ portKind: "python", mayaVersion: "2025", scene: expect.stringMatching(/walk_cycle/) });
    await vi.advanceTimersByTimeAsync(20);
    expect(lists.at(-1)?.[0]?.status.state.state).toBe("connected");
    expect(texts(view.id)).toContainEqual(["notice", expect.stringMatching(/^Connected to Maya 2025 at 127\.0\.0\.1:7001/)]);
  });

  it("an unreachable port fails with the engine's message and the session is lost", async () => {
    const { maya } = world();
    const view = await settle(maya.add(spec(":1")), 20);
    const result = maya.connect(view.id).catch((e: unknown) => e);
    const error = await settle(result, 1000);
    expect(error).toMatchObject({ code: "unreachable", message: expect.stringMatching(/cmds\.commandPort\(name=":1", sourceType="python"\)/) });
    expect(maya.list()[0]?.status.state.state).toBe("lost");
  });

  it("runs Python: echo, output, result, and a traceback for a raise", async () => {
    const { maya, texts } = world();
    const { id } = await settle(maya.add(spec(":7001")), 20);
    await settle(maya.connect(id), 1000);
    const ok = await settle(maya.run(id, 'print("héllo")\n1 + 2', "python"), 1000);
    expect(ok).toMatchObject({ ok: true, value: "3" });
    expect(texts(id).slice(-4)).toEqual([
      ["echo", 'print("héllo")'],
      ["echo", "1 + 2"],
      ["output", "héllo"],
      ["result", "# Result: 3"],
    ]);
    const bad = await settle(maya.run(id, 'x = 1\nraise ValueError("no")', "python", { undoChunk: null, fileName: "<Script 1>" }), 1000);
    expect(bad).toMatchObject({ ok: false, error: { type: "ValueError", message: "no" } });
    expect(texts(id).slice(-5)).toEqual([
      ["stack_trace", "Traceback (most recent call last):"],
      ["stack_trace", '  File "<Script 1>", line 2, in <module>'],
      ["stack_trace", '    raise ValueError("no")'],
      ["stack_trace", "ValueError: no"],
      ["error", "# Error: ValueError: no"],
    ]);
  });

  it("is busy while a sleep runs; cancel stops waiting but Maya finishes", async () => {
    const { maya, texts } = world();
    const { id } = await settle(maya.add(spec(":7001")), 20);
    await settle(maya.connect(id), 1000);
    const run = maya.run(id, 'import time\ntime.sleep(5)\nprint("done")', "python").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(maya.list()[0]?.status.state).toMatchObject({ state: "busy", sinceMs: 1000 });
    await settle(maya.cancel(id), 50);
    expect(await run).toMatchObject({ code: "cancelled" });
    expect(maya.list()[0]?.status.state.state).toBe("busy");
    await vi.advanceTimersByTimeAsync(5500);
    expect(maya.list()[0]?.status.state.state).toBe("connected");
    expect(texts(id)).toContainEqual(["output", "done"]);
  });

  it("runs MEL, reports unknown procedures, and runs in all connected sessions", async () => {
    const { maya, texts } = world();
    const a = await settle(maya.add(spec(":7001")), 20);
    const b = await settle(maya.add(spec(":7002")), 20);
    await settle(maya.connect(a.id), 1000);
    await settle(maya.connect(b.id), 1000);
    expect(maya.list()[1]?.status.info?.portKind).toBe("mel");
    const mel = await settle(maya.run(b.id, 'print "hi\\n";\nfoo;', "mel"), 1000);
    expect(mel).toMatchObject({ ok: false });
    expect(texts(b.id)).toContainEqual(["output", "hi"]);
    expect(texts(b.id)).toContainEqual(["error", 'Error: Line 2.3: Cannot find procedure "foo".']);
    const all = await settle(maya.runAll('print("both")', "python"), 1000);
    expect(all.map((o) => o.session)).toEqual([a.id, b.id]);
    expect(all.every((o) => o.result?.ok)).toBe(true);
  });

  it("cleans up (the session stays, disconnected), removes, and keeps per-session history", async () => {
    const { maya } = world();
    const { id } = await settle(maya.add(spec(":7001")), 20);
    await settle(maya.connect(id), 1000);
    await settle(maya.run(id, 'print("x")', "python"), 1000);
    const history = await settle(maya.history(id, 0, 100), 20);
    expect(history.total).toBeGreaterThan(2);
    expect(history.lines.map((l) => l.text)).toContain("x");
    expect(await settle(maya.cleanup(id), 20)).toEqual({ callbackRemoved: true, mayaGone: false });
    expect(maya.list()[0]?.status.state.state).toBe("disconnected");
    await settle(maya.remove(id), 20);
    expect(maya.list()).toEqual([]);
  });

  it("starts a labelled, active demo session and finds running Mayas", async () => {
    const { maya } = world();
    await settle(maya.add(spec(":7001")), 20);
    await settle(maya.startDemo(), 1000);
    const demo = maya.list().find((s) => s.demo);
    expect(demo).toMatchObject({ spec: { name: DEMO_SESSION_NAME }, active: true, status: { state: { state: "connected" } } });
    expect(demo?.status.info?.label).toBe(DEMO_SESSION_NAME);
    expect((await settle(maya.discover(), 100)).map((d) => d.port)).toEqual([7001, 7002]);
  });
});

describe("fake Python and MEL", () => {
  const scene = { joints: ["Hips", "Spine"], scene: "/s.ma", version: "2025" };
  it("supports the usual artist snippets", () => {
    const vars = new Map();
    expect(simulatePython('import maya.cmds as cmds\ncmds.ls(type="joint")[:1]', vars, scene, "<t>").value).toBe("['Hips']");
    expect(simulatePython("for i in range(3):\n    print(i)", vars, scene, "<t>").events.map((e) => e.text)).toEqual(["0", "1", "2"]);
    expect(simulatePython('name = "Hips"\nprint(f"joint {name}")', vars, scene, "<t>").events[0]?.text).toBe("joint Hips");
    expect(simulatePython("print(nope)", new Map(), scene, "<t>").error).toMatchObject({ type: "NameError", message: "name 'nope' is not defined" });
    expect(simulatePython("1/0", new Map(), scene, "<t>").error?.type).toBe("ZeroDivisionError");
    expect(simulatePython("time.sleep(2)", new Map([["time", "<module time>"]]), scene, "<t>").durationMs).toBeGreaterThan(2000);
    expect(simulateMel("ls -type joint;", new Map(), scene).value).toBe("Hips Spine");
    expect(simulateMel('string $j = "Hips";\nprint $j;', new Map(), scene).events[0]?.text).toBe("Hips");
  });
});
