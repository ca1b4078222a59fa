// The WebSocket transport (a browser talking to `mayalink serve`), against a stand-in socket
// that records what the page sends and lets each test deliver the server's replies.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createBackend } from "./backend";
import type { Transport } from "./transport";
import { createWebSocketTransport } from "./websocket";

const URL_WITH_TOKEN = "ws://127.0.0.1:4100/0a1b2c/ws";

class TestSocket {
  static all: TestSocket[] = [];
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  /** Every message the page sent, parsed. */
  readonly sent: unknown[] = [];

  constructor(readonly url: string) {
    TestSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  // ---- the server's side ----
  open() {
    this.onopen?.();
  }
  fail() {
    this.onerror?.();
  }
  reply(message: unknown) {
    this.onmessage?.({ data: typeof message === "string" ? message : JSON.stringify(message) });
  }
  close() {
    this.onclose?.();
  }
}

beforeEach(() => {
  TestSocket.all = [];
  vi.stubGlobal("WebSocket", TestSocket);
});
afterEach(() => vi.unstubAllGlobals());

async function connect(): Promise<{ transport: Transport; socket: TestSocket }> {
  const connecting = createWebSocketTransport(URL_WITH_TOKEN);
  const socket = TestSocket.all.at(-1)!;
  socket.open();
  return { transport: await connecting, socket };
}

describe("websocket transport: connecting", () => {
  it("opens the given URL and is kind `browser`", async () => {
    const { transport, socket } = await connect();
    expect(socket.url).toBe(URL_WITH_TOKEN);
    expect(transport.kind).toBe("browser");
    expect(createBackend(transport).kind).toBe("browser");
  });

  it("rejects with `unreachable` when the socket cannot open", async () => {
    const connecting = createWebSocketTransport(URL_WITH_TOKEN);
    TestSocket.all[0]!.fail();
    await expect(connecting).rejects.toMatchObject({ code: "unreachable", message: expect.stringContaining(URL_WITH_TOKEN) });
  });
});

describe("websocket transport: calls", () => {
  it("sends { id, call, args } and resolves with the matching { id, ok }", async () => {
    const { transport, socket } = await connect();
    const doctor = transport.call("doctor", {});
    const history = transport.call("console_history", { session: "m1", from: 0, max: 10 });
    expect(socket.sent).toEqual([
      { id: 1, call: "doctor", args: {} },
      { id: 2, call: "console_history", args: { session: "m1", from: 0, max: 10 } },
    ]);
    // Replies may come in any order; a reply to no pending id, or not JSON, is ignored.
    socket.reply({ id: 2, ok: { lines: [], first: 0, total: 0 } });
    socket.reply({ id: 99, ok: "stray" });
    socket.reply("not json {");
    socket.reply({ id: 1, ok: { appVersion: "0.1.0" } });
    await expect(history).resolves.toEqual({ lines: [], first: 0, total: 0 });
    await expect(doctor).resolves.toEqual({ appVersion: "0.1.0" });
  });

  it("resolves a command without a result with null", async () => {
    const { transport, socket } = await connect();
    const removing = transport.call("maya_session_remove", { id: "m1" });
    socket.reply({ id: 1, ok: null });
    await expect(removing).resolves.toBeNull();
  });

  it("rejects with the AppError of { id, err } (normalised when it is not one)", async () => {
    const { transport, socket } = await connect();
    const run = transport.call("maya_run", { id: "m1", code: "x", lang: "python" });
    const other = transport.call("doctor", {});
    socket.reply({ id: 1, err: { code: "timeout", message: "no reply from Maya in 10 s" } });
    socket.reply({ id: 2, err: { code: "nonsense", message: "x" } });
    await expect(run).rejects.toEqual({ code: "timeout", message: "no reply from Maya in 10 s" });
    await expect(other).rejects.toMatchObject({ code: "internal" });
  });

  it("carries a Backend method's command and arguments", async () => {
    const { transport, socket } = await connect();
    const backend = createBackend(transport);
    const running = backend.run("m1", "ls", "mel");
    expect(socket.sent).toEqual([{ id: 1, call: "maya_run", args: { id: "m1", code: "ls", lang: "mel" } }]);
    socket.reply({ id: 1, ok: { ok: true } });
    await expect(running).resolves.toEqual({ ok: true });
  });
});

describe("websocket transport: streams", () => {
  it("sends { id, subscribe }, delivers { sub: id, data } until unsubscribed, then sends { unsubscribe: id }", async () => {
    const { transport, socket } = await connect();
    const received: unknown[] = [];
    const subscribing = transport.subscribe("sessions", (m) => received.push(m));
    expect(socket.sent).toEqual([{ id: 1, subscribe: "sessions" }]);
    // The first message may follow the confirmation before the page has seen it.
    socket.reply({ id: 1, ok: null });
    socket.reply({ sub: 1, data: ["first"] });
    const unsubscribe = await subscribing;
    socket.reply({ sub: 1, data: ["second"] });
    socket.reply({ sub: 7, data: ["someone else's"] });
    expect(received).toEqual([["first"], ["second"]]);

    unsubscribe();
    expect(socket.sent.at(-1)).toEqual({ unsubscribe: 1 });
    socket.reply({ sub: 1, data: ["late"] });
    expect(received).toHaveLength(2);
    unsubscribe(); // harmless twice: nothing more is sent
    expect(socket.sent).toHaveLength(2);
  });

  it("keeps several streams apart (the three Mosketch streams)", async () => {
    const { transport, socket } = await connect();
    const got: string[] = [];
    const subscribing = createBackend(transport).subscribeMosketch({
      onStatus: (s) => got.push(`status ${s?.address}`),
      onHierarchy: (h) => got.push(`hierarchy ${h?.id}`),
      onPose: (p) => got.push(`pose ${p.frame}`),
    });
    expect(socket.sent).toEqual([
      { id: 1, subscribe: "mosketch_status" },
      { id: 2, subscribe: "mosketch_hierarchy" },
      { id: 3, subscribe: "mosketch_pose" },
    ]);
    for (const id of [1, 2, 3]) socket.reply({ id, ok: null });
    const stop = await subscribing;
    socket.reply({ sub: 3, data: { frame: 5 } });
    socket.reply({ sub: 1, data: { address: "127.0.0.1:16094" } });
    socket.reply({ sub: 2, data: { id: 4 } });
    expect(got).toEqual(["pose 5", "status 127.0.0.1:16094", "hierarchy 4"]);
    stop();
    expect(socket.sent.slice(3)).toEqual([{ unsubscribe: 1 }, { unsubscribe: 2 }, { unsubscribe: 3 }]);
  });

  it("a refused subscription rejects and delivers nothing", async () => {
    const { transport, socket } = await connect();
    const received: unknown[] = [];
    const subscribing = transport.subscribe("console", (m) => received.push(m));
    socket.reply({ id: 1, err: { code: "invalid_input", message: "unknown stream" } });
    await expect(subscribing).rejects.toEqual({ code: "invalid_input", message: "unknown stream" });
    socket.reply({ sub: 1, data: { lines: [] } });
    expect(received).toEqual([]);
  });
});

describe("websocket transport: a closed connection", () => {
  it("rejects the pending calls and every later one with `unreachable`, and ends the streams", async () => {
    const { transport, socket } = await connect();
    const received: unknown[] = [];
    const subscribing = transport.subscribe("console", (m) => received.push(m));
    socket.reply({ id: 1, ok: null });
    const unsubscribe = await subscribing;
    const pending = transport.call("maya_run", { id: "m1", code: "x", lang: "python" });

    socket.close();
    await expect(pending).rejects.toMatchObject({ code: "unreachable" });
    await expect(transport.call("doctor", {})).rejects.toMatchObject({ code: "unreachable" });
    await expect(transport.subscribe("sessions", () => {})).rejects.toMatchObject({ code: "unreachable" });
    socket.reply({ sub: 1, data: { lines: [] } });
    expect(received).toEqual([]);
    const sentBefore = socket.sent.length;
    unsubscribe(); // nothing to send to a closed socket
    expect(socket.sent).toHaveLength(sentBefore);
  });
});

describe("websocket transport: what a browser cannot do natively", () => {
  it("pickOpenFile and pickSaveFile ask for a path in a prompt; cancel or blank is null", async () => {
    const { transport } = await connect();
    const prompt = vi.fn<(message: string, initial: string) => string | null>();
    vi.stubGlobal("window", { prompt });
    const backend = createBackend(transport);

    prompt.mockReturnValueOnce("  /home/a/walk.py  ");
    await expect(backend.pickOpenFile([{ name: "Python", extensions: ["py"] }])).resolves.toBe("/home/a/walk.py");
    expect(prompt).toHaveBeenLastCalledWith(expect.stringMatching(/^Open a file/), "");
    prompt.mockReturnValueOnce(null);
    await expect(backend.pickOpenFile([])).resolves.toBeNull();
    prompt.mockReturnValueOnce("   ");
    await expect(backend.pickOpenFile([])).resolves.toBeNull();

    prompt.mockReturnValueOnce("/home/a/rig.json");
    await expect(backend.pickSkeletonFile()).resolves.toBe("/home/a/rig.json");
    expect(prompt).toHaveBeenLastCalledWith(expect.stringMatching(/^Load a skeleton/), "");

    prompt.mockReturnValueOnce("/home/a/b.py");
    await expect(backend.pickSaveFile("/home/a/untitled.py", [])).resolves.toBe("/home/a/b.py");
    expect(prompt).toHaveBeenLastCalledWith(expect.stringMatching(/^Save as/), "/home/a/untitled.py");
    prompt.mockReturnValueOnce("");
    await expect(backend.pickSaveFile("/home/a/untitled.py", [])).resolves.toBeNull();
    prompt.mockReturnValueOnce(null);
    await expect(backend.pickSaveFile("/home/a/untitled.py", [])).resolves.toBeNull();
  });

  it("openLogFolder asks the engine where the logs are and says so", async () => {
    const { transport, socket } = await connect();
    const opening = createBackend(transport).openLogFolder();
    expect(socket.sent).toEqual([{ id: 1, call: "doctor", args: {} }]);
    socket.reply({ id: 1, ok: { logDir: "/var/log/mayalink" } });
    await expect(opening).rejects.toEqual({ code: "invalid_input", message: expect.stringContaining("/var/log/mayalink") });
  });

  it("has no update channel: the page updates with the Mayalink serving it", async () => {
    const { transport, socket } = await connect();
    expect(createBackend(transport).updates).toBeNull();
    expect(socket.sent).toEqual([]);
  });

  it("writeClipboard uses the browser's clipboard; a refusal is an AppError", async () => {
    const { transport } = await connect();
    const writeText = vi.fn<(text: string) => Promise<void>>();
    vi.stubGlobal("navigator", { clipboard: { writeText } });
    const backend = createBackend(transport);
    writeText.mockResolvedValueOnce();
    await backend.writeClipboard("hello");
    expect(writeText).toHaveBeenCalledWith("hello");
    writeText.mockRejectedValueOnce(new Error("Document is not focused."));
    await expect(backend.writeClipboard("x")).rejects.toEqual({ code: "internal", message: "Document is not focused." });
  });
});
