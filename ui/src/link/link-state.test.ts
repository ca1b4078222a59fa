// The live link's state over the real Backend (`createBackend`) and a recording transport:
// each test pushes the `link` stream messages it needs (shaped like the engine's bindings)
// and checks the state and the commands it sends. The engine's own behaviour is the browser
// tier's business (tests/browser/link.test.mjs runs `mayalink serve`).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createBackend } from "../backend/backend";
import type { Args, Command, Stream, StreamMessage, Transport } from "../backend/transport";
import type { LinkView } from "../bindings/LinkView";
import type { Mapping } from "../bindings/Mapping";
import type { TargetStatus } from "../bindings/TargetStatus";
import { LinkState, IDLE_LINK } from "./link-state.svelte";

const MAPPING: Mapping = {
  pairs: [
    { mosketch: "Hips", maya: "|rig|Hips", kind: "joint", overridden: false, rotateOrder: "xyz" },
    { mosketch: "Spine", maya: "|rig|Hips|Spine", kind: "joint", overridden: true, rotateOrder: null },
  ],
  ambiguous: [{ mosketch: "Head", candidates: ["|a:Head", "|b:Head"] }],
  unmappedMosketch: ["LeftToe_End"],
  unmappedMaya: ["|rig|Extra"],
};

const target = (session: string, more: Partial<TargetStatus> = {}): TargetStatus => ({
  session,
  mapping: MAPPING,
  figures: {
    framesSent: 120,
    framesApplied: 118,
    appliedPerS: 59.6,
    latencyP50Ms: 1.2,
    latencyP95Ms: 3.4,
    superseded: 2,
    mainThreadP50Us: 420,
    mainThreadP95Us: 1300,
    lastFrameSent: 120,
    lastFrameApplied: 118,
  },
  warnings: [],
  following: false,
  ended: null,
  stalled: null,
  ...more,
});

const running = (...sessions: string[]): LinkView => ({ running: true, sessions, mayas: sessions.map((s) => target(s)) });

type Replies = { [K in Command]?: (args: Args<K>) => unknown };

function recordingTransport(replies: Replies = {}, picks: { open?: string | null; save?: string | null } = {}) {
  const calls: Array<[Command, unknown]> = [];
  const handlers = new Map<Stream, Set<(message: never) => void>>();
  const unsubscribed: Stream[] = [];
  const dialogs: string[] = [];
  const transport: Transport = {
    kind: "browser",
    async call(command, args) {
      calls.push([command, args]);
      const reply = (replies as Record<string, ((a: unknown) => unknown) | undefined>)[command];
      return (reply ? await reply(args) : null) as never;
    },
    async subscribe(stream, onMessage) {
      const set = handlers.get(stream) ?? new Set();
      handlers.set(stream, set);
      set.add(onMessage as (message: never) => void);
      return () => {
        if (set.delete(onMessage as (message: never) => void)) unsubscribed.push(stream);
      };
    },
    openLogFolder: async () => {},
    pickOpenFile: async (filters) => {
      dialogs.push(`open ${filters.map((f) => f.extensions.join(",")).join(" | ")}`);
      return picks.open ?? null;
    },
    pickSaveFile: async (defaultPath) => {
      dialogs.push(`save ${defaultPath}`);
      return picks.save ?? null;
    },
    writeClipboard: async () => {},
    updates: null,
  };
  return {
    transport,
    calls,
    unsubscribed,
    dialogs,
    push<S extends Stream>(stream: S, message: StreamMessage<S>) {
      for (const h of handlers.get(stream) ?? []) (h as (m: StreamMessage<S>) => void)(message);
    },
  };
}

async function attached(replies: Replies = {}, picks: { open?: string | null; save?: string | null } = {}) {
  const t = recordingTransport(replies, picks);
  const link = new LinkState();
  await link.attach(createBackend(t.transport));
  return { ...t, link };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("LinkState: the stream", () => {
  it("shows what the engine pushes and stops listening on detach", async () => {
    const { link, push, unsubscribed, calls } = await attached();
    expect(calls).toEqual([]);
    expect(link.loaded).toBe(false);
    push("link", IDLE_LINK);
    expect(link.loaded).toBe(true);
    expect(link.running).toBe(false);
    expect(link.target).toBeNull();

    push("link", running("m1", "m2"));
    expect(link.running).toBe(true);
    expect(link.target?.session).toBe("m1");
    link.shown = 1;
    expect(link.target?.session).toBe("m2");
    push("link", running("m1")); // the second Maya went away: back to the first
    expect(link.shown).toBe(0);

    link.detach();
    expect(unsubscribed).toEqual(["link"]);
    push("link", IDLE_LINK);
    expect(link.running).toBe(true);
  });

  it("a stream the engine refuses is an AppError", async () => {
    const t = recordingTransport();
    t.transport.subscribe = async () => {
      throw "no such stream";
    };
    const link = new LinkState();
    await link.attach(createBackend(t.transport));
    expect(link.error).toEqual({ code: "internal", message: "no such stream" });
    expect(link.loaded).toBe(true);
  });
});

describe("LinkState: start and stop", () => {
  it("starts with the ticked sessions and takes the running view it gets back", async () => {
    const { link, calls } = await attached({ link_start: (a) => running(...a.sessions) });
    expect(await link.start(["m1", "m2"])).toBe(true);
    expect(calls).toEqual([["link_start", { sessions: ["m1", "m2"] }]]);
    expect(link.view.sessions).toEqual(["m1", "m2"]);
    expect(link.busy).toBeNull();
    expect(link.error).toBeNull();
  });

  it("an idle view returned by start does not hide the running link the stream pushed", async () => {
    const { link, push } = await attached({
      link_start: () => {
        push("link", running("m1"));
        return IDLE_LINK; // the engine's reply raced its own stream
      },
    });
    expect(await link.start(["m1"])).toBe(true);
    expect(link.running).toBe(true);
  });

  it("nothing mapped: the engine's error is shown, not swallowed", async () => {
    const message = "No Mosketch joint matches a Maya node by name (65 joints, 4 nodes): map them by hand in the mapping table.";
    const { link } = await attached({
      link_start: () => {
        throw { code: "invalid_input", message };
      },
    });
    expect(await link.start(["m1"])).toBe(false);
    expect(link.error).toEqual({ code: "invalid_input", message });
    expect(link.describedError).toBe(`Invalid input: ${message}`);
    expect(link.running).toBe(false);
    link.dismissError();
    expect(link.error).toBeNull();
  });

  it("refuses to start without a target, without asking the engine", async () => {
    const { link, calls } = await attached();
    expect(await link.start([])).toBe(false);
    expect(calls).toEqual([]);
    expect(link.error?.code).toBe("invalid_input");
  });

  it("one action at a time: a second click while starting does nothing", async () => {
    let release!: (v: LinkView) => void;
    const { link, calls } = await attached({ link_start: () => new Promise<LinkView>((r) => (release = r)) });
    const first = link.start(["m1"]);
    expect(link.busy).toEqual({ action: "start" });
    expect(await link.stop()).toBe(false);
    release(running("m1"));
    expect(await first).toBe(true);
    expect(calls.map(([c]) => c)).toEqual(["link_start"]);
  });

  it("stop shows the idle link at once", async () => {
    const { link, push, calls } = await attached();
    push("link", running("m1"));
    expect(await link.stop()).toBe(true);
    expect(calls).toEqual([["link_stop", {}]]);
    expect(link.view).toEqual(IDLE_LINK);
  });

  it("targets: the artist's ticks", async () => {
    const { link } = await attached();
    link.toggleTarget("m2", ["m1"]);
    expect(link.chosen).toEqual(["m1", "m2"]);
    link.toggleTarget("m1", link.chosen!);
    expect(link.chosen).toEqual(["m2"]);
  });
});

describe("LinkState: per Maya", () => {
  it("follow Maya and send Maya's pose name the Maya by its index and confirm", async () => {
    const { link, calls, push } = await attached({ link_send_maya_pose: () => 65 });
    push("link", running("m1", "m2"));
    expect(await link.follow(1, true)).toBe(true);
    expect(link.notice).toMatch(/Following Maya/);
    expect(await link.sendMayaPose(0)).toBe(65);
    expect(link.notice).toBe("Sent 65 joints of Maya's pose to Mosketch");
    expect(calls).toEqual([
      ["link_follow", { maya: 1, on: true }],
      ["link_send_maya_pose", { maya: 0 }],
    ]);
    await vi.advanceTimersByTimeAsync(3100);
    expect(link.notice).toBeNull();
  });

  it("a refused follow is an error, and no confirmation", async () => {
    const { link, push } = await attached({
      link_follow: () => {
        throw { code: "invalid_input", message: "The live link is not running: start it first." };
      },
    });
    push("link", running("m1"));
    expect(await link.follow(0, true)).toBe(false);
    expect(link.notice).toBeNull();
    expect(link.describedError).toBe("Invalid input: The live link is not running: start it first.");
  });

  it("overrides: a node, drive nothing, back to name matching; the returned mapping shows", async () => {
    const nothing: LinkView = {
      ...running("m1"),
      mayas: [target("m1", { mapping: { ...MAPPING, pairs: MAPPING.pairs.slice(1), unmappedMosketch: ["LeftToe_End", "Hips"] } })],
    };
    const { link, calls } = await attached({ link_set_override: (a) => ("node" in a ? running("m1") : nothing) });
    expect(await link.setOverride(0, "Head", { node: "|a:Head" })).toBe(true);
    expect(await link.setOverride(0, "Hips", { node: null })).toBe(true);
    expect(link.target?.mapping.unmappedMosketch).toContain("Hips");
    expect(await link.setOverride(0, "Hips", { clear: true })).toBe(true);
    expect(calls).toEqual([
      ["link_set_override", { maya: 0, mosketch: "Head", node: "|a:Head" }],
      ["link_set_override", { maya: 0, mosketch: "Hips" }],
      ["link_set_override", { maya: 0, mosketch: "Hips", clear: true }],
    ]);
  });

  it("a mapping change restarts the link: the idle view in between neither shows nor moves the panel off its Maya", async () => {
    const { link, push } = await attached({
      link_set_override: () => {
        push("link", IDLE_LINK); // the engine stops the link…
        return IDLE_LINK; // …and answers before its stream says it runs again
      },
    });
    push("link", running("m1", "m2"));
    link.shown = 1;
    expect(await link.setOverride(1, "Head", { node: "|b:Head" })).toBe(true);
    expect(link.running).toBe(true);
    push("link", IDLE_LINK); // late, from the restart
    expect(link.running).toBe(true);
    push("link", running("m1", "m2"));
    expect(link.target?.session).toBe("m2");
    push("link", IDLE_LINK); // stopped later (another window): shown
    expect(link.running).toBe(false);
    expect(link.shown).toBe(1);
  });

  it("a mapping change that fails leaves the link as the engine says: stopped, with the error", async () => {
    const { link, push } = await attached({
      link_set_override: () => {
        push("link", IDLE_LINK);
        throw { code: "invalid_input", message: "No joint is mapped: 1 names match more than one Maya node; pick them in the mapping table." };
      },
    });
    push("link", running("m1"));
    expect(await link.setOverride(0, "Hips", { node: null })).toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(link.running).toBe(false);
    expect(link.error?.message).toMatch(/No joint is mapped/);
  });

  it("a restart whose running view never comes shows the idle one after a moment", async () => {
    const { link, push } = await attached({
      link_set_override: () => {
        push("link", IDLE_LINK);
        return IDLE_LINK;
      },
    });
    push("link", running("m1"));
    expect(await link.setOverride(0, "Hips", { clear: true })).toBe(true);
    expect(link.running).toBe(true);
    await vi.advanceTimersByTimeAsync(1600);
    expect(link.running).toBe(false);
  });

  it("export: the save dialog picks the file; cancel sends nothing", async () => {
    const cancelled = await attached();
    expect(await cancelled.link.exportOverrides(0, "humanoid-mapping.json")).toBe(false);
    expect(cancelled.dialogs).toEqual(["save humanoid-mapping.json"]);
    expect(cancelled.calls).toEqual([]);
    expect(cancelled.link.error).toBeNull();

    const { link, calls } = await attached({}, { save: "/home/a/rigs/map.json" });
    expect(await link.exportOverrides(1)).toBe(true);
    expect(calls).toEqual([["link_export_overrides", { maya: 1, path: "/home/a/rigs/map.json" }]]);
    expect(link.notice).toBe("Mapping saved to map.json");
  });

  it("import: the open dialog picks the file, the link maps again; a bad file is an error", async () => {
    const { link, calls, dialogs } = await attached({ link_import_overrides: () => running("m1") }, { open: "C:\\rigs\\map.json" });
    expect(await link.importOverrides(0)).toBe(true);
    expect(dialogs).toEqual(["open json | *"]);
    expect(calls).toEqual([["link_import_overrides", { maya: 0, path: "C:\\rigs\\map.json" }]]);
    expect(link.running).toBe(true);
    expect(link.notice).toBe("Mapping loaded from map.json");

    const bad = await attached(
      {
        link_import_overrides: () => {
          throw { code: "io", message: "map.json is not a mapping file" };
        },
      },
      { open: "/x/map.json" },
    );
    expect(await bad.link.importOverrides(0)).toBe(false);
    expect(bad.link.describedError).toBe("I/O error: map.json is not a mapping file");
  });
});
