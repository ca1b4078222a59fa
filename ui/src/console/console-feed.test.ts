import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Backend, ConsoleBatchHandler } from "../backend/backend";
import { stubBackend } from "../test-support/stub-backend";
import type { ConsoleLine } from "../bindings/ConsoleLine";
import { ConsoleFeed } from "./console-feed.svelte";

const line = (text: string, session = "s", kind: ConsoleLine["kind"] = "output", timeMs = 0): ConsoleLine => ({ session, kind, text, timeMs });

/** A backend whose console the test feeds by hand. */
function scriptedBackend() {
  const handlers: ConsoleBatchHandler[] = [];
  const unsubscribed = vi.fn();
  const backend: Backend = stubBackend({
    subscribeConsole: async (onBatch) => {
      handlers.push(onBatch);
      return unsubscribed;
    },
  });
  return { backend, handlers, unsubscribed, send: (...lines: ConsoleLine[]) => handlers.at(-1)?.({ lines }) };
}

let frames: Array<() => void> = [];
const schedule = (cb: () => void) => void frames.push(cb);
const runFrame = () => {
  const run = frames;
  frames = [];
  run.forEach((cb) => cb());
};
const texts = (feed: ConsoleFeed) => Array.from({ length: feed.view.length }, (_, i) => feed.store.textAt(feed.view.lineAt(i)));

beforeEach(() => (frames = []));
afterEach(() => vi.restoreAllMocks());

describe("ConsoleFeed", () => {
  it("publishes received batches once per frame", async () => {
    const feed = new ConsoleFeed(100, schedule);
    const { backend, send } = scriptedBackend();
    await feed.attach(backend);
    const before = feed.version;
    send(line("a"), line("b"));
    send(line("c"));
    expect(feed.view.length).toBe(0);
    runFrame();
    expect(texts(feed)).toEqual(["a", "b", "c"]);
    expect(feed.version).toBeGreaterThan(before);
    expect(feed.size).toBe(3);
  });

  it("caps the lines and reports how many were dropped", async () => {
    const feed = new ConsoleFeed(2, schedule);
    const { backend, send } = scriptedBackend();
    await feed.attach(backend);
    send(line("a"), line("b"), line("c"));
    runFrame();
    expect(texts(feed)).toEqual(["b", "c"]);
    expect(feed.dropped).toBe(1);
    feed.clear();
    expect(feed.view.length).toBe(0);
    expect(feed.dropped).toBe(0);
  });

  it("detach unsubscribes and ignores late lines", async () => {
    const feed = new ConsoleFeed(100, schedule);
    const { backend, send, unsubscribed } = scriptedBackend();
    await feed.attach(backend);
    feed.detach();
    expect(unsubscribed).toHaveBeenCalledOnce();
    send(line("late"));
    runFrame();
    expect(feed.view.length).toBe(0);
  });

  it("records a failed subscription as an AppError", async () => {
    const feed = new ConsoleFeed(100, schedule);
    const backend = stubBackend({
      subscribeConsole: () => Promise.reject({ code: "internal", message: "engine not ready" }),
    });
    await feed.attach(backend);
    expect(feed.error).toEqual({ code: "internal", message: "engine not ready" });
  });

  it("scopes to a session (plus app notices), filters kinds, and clearing a session's view keeps the others", async () => {
    const feed = new ConsoleFeed(100, schedule);
    const { backend, send } = scriptedBackend();
    await feed.attach(backend);
    send(line("a1", "A"), line("b1", "B"), line("note", "app", "notice"), line("a-err", "A", "error"));
    runFrame();
    feed.setScope("A");
    expect(texts(feed)).toEqual(["a1", "note", "a-err"]);
    feed.setKinds(new Set(["error"]));
    expect(texts(feed)).toEqual(["a-err"]);
    feed.setKinds(new Set(["output", "error", "notice"]));
    feed.clear();
    expect(texts(feed)).toEqual([]);
    send(line("a2", "A"));
    runFrame();
    expect(texts(feed)).toEqual(["a2"]);
    feed.setScope("B");
    expect(texts(feed)).toEqual(["b1", "note"]);
    feed.setScope(null);
    expect(texts(feed)).toEqual(["a1", "b1", "note", "a-err", "a2"]);
  });

  it("searches in frame-sized slices and steps through matches", async () => {
    const feed = new ConsoleFeed(1000, schedule);
    const { backend, send } = scriptedBackend();
    await feed.attach(backend);
    send(...Array.from({ length: 10 }, (_, i) => line(i % 3 === 0 ? `Hips ${i}` : `spine ${i}`)));
    runFrame();
    feed.setQuery("hips");
    while (frames.length) runFrame();
    expect(feed.view.matchCount).toBe(4);
    expect(texts(feed)[feed.view.positionOf(feed.step(1) as number)]).toBe("Hips 0");
    expect(feed.view.currentMatchNumber).toBe(1);
    feed.step(-1);
    expect(feed.view.currentMatchNumber).toBe(4);
    // New lines are searched as they arrive.
    send(line("more HIPS"));
    runFrame();
    while (frames.length) runFrame();
    expect(feed.view.matchCount).toBe(5);
  });

  it("fetches a session's history when it has no lines of it, keeping only older lines", async () => {
    const feed = new ConsoleFeed(100, schedule);
    const { backend, send } = scriptedBackend();
    const history = vi.fn(async () => ({ lines: [line("old 1", "X", "output", 10), line("old 2", "X", "output", 20), line("dup", "X", "output", 50)], first: 0, total: 3 }));
    backend.consoleHistory = history;
    await feed.attach(backend);
    await feed.fetchHistory(backend, "X");
    runFrame();
    feed.setScope("X");
    expect(texts(feed)).toEqual(["old 1", "old 2", "dup"]);
    await feed.fetchHistory(backend, "X");
    expect(history).toHaveBeenCalledOnce();
    // A session with live lines already: no history fetch.
    send(line("live", "Y", "output", 5));
    runFrame();
    await feed.fetchHistory(backend, "Y");
    expect(history).toHaveBeenCalledOnce();
  });

  it("never shows a line twice when the history fetch and the live stream both bring it", async () => {
    const feed = new ConsoleFeed(100, schedule);
    const { backend, send } = scriptedBackend();
    const numbered = (text: string, n: number): ConsoleLine => ({ ...line(text, "M", "notice", 100), line: n });
    await feed.attach(backend);
    // The engine keeps "Connected" in the history, the fetch returns it, and only
    // then does the live stream deliver it (same millisecond as the next line).
    backend.consoleHistory = async () => ({ lines: [numbered("Connected", 0)], first: 0, total: 1 });
    await feed.fetchHistory(backend, "M");
    send(numbered("Connected", 0), numbered("ran", 1), line("app notice", "app", "notice", 100));
    runFrame();
    expect(texts(feed)).toEqual(["Connected", "ran", "app notice"]);

    // The other order: a live line arrives while the fetch is on its way, and the
    // history holds it too.
    const other = new ConsoleFeed(100, schedule);
    const second = scriptedBackend();
    second.backend.consoleHistory = async () => {
      second.send(numbered("later", 1));
      return { lines: [numbered("early", 0), numbered("later", 1)], first: 0, total: 2 };
    };
    await other.attach(second.backend);
    await other.fetchHistory(second.backend, "M");
    runFrame();
    expect(texts(other)).toEqual(["early", "later"]);
  });
});
