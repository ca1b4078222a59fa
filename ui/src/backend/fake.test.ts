import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConsoleBatch } from "../bindings/ConsoleBatch";
import { isAppError } from "./app-error";
import {
  FAKE_CONSOLE_SCRIPT,
  FAKE_DEFAULT_LATENCY_MS,
  FAKE_DOCTOR_REPORT,
  createFakeBackend,
  fakeOptionsFromQuery,
} from "./fake";

const lastStep = Math.max(...FAKE_CONSOLE_SCRIPT.map((s) => s.atMs));
const scriptedLineCount = FAKE_CONSOLE_SCRIPT.reduce((n, s) => n + s.lines.length, 0);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Lets the fake's latency and script timers run, then returns what `promise` resolved to. */
async function settle<T>(promise: Promise<T>, ms = FAKE_DEFAULT_LATENCY_MS): Promise<T> {
  await vi.advanceTimersByTimeAsync(ms);
  return promise;
}

describe("fake backend: doctor", () => {
  it("resolves to a DoctorReport with versions, system, log folder and ports", async () => {
    const report = await settle(createFakeBackend().doctor());
    expect(report).toEqual(FAKE_DOCTOR_REPORT);
    expect(report.appVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.engineVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.os).toBe("linux");
    expect(report.arch).toBe("x86_64");
    expect(report.logDir).toMatch(/logs$/);
    expect(report.ports.map((p) => p.port)).toEqual([7001, 7002, 16094]);
    for (const port of report.ports) {
      expect(port.proto === "tcp" || port.proto === "udp").toBe(true);
      expect(typeof port.free).toBe("boolean");
      expect(port.purpose.length).toBeGreaterThan(0);
    }
    expect(report.ports.some((p) => p.free) && report.ports.some((p) => !p.free)).toBe(true);
  });

  it("simulates latency: nothing before it has elapsed", async () => {
    const onReport = vi.fn();
    void createFakeBackend({ latencyMs: 200 }).doctor().then(onReport);
    await vi.advanceTimersByTimeAsync(199);
    expect(onReport).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onReport).toHaveBeenCalledOnce();
  });

  it("returns copies: mutating a report does not change the next one", async () => {
    const backend = createFakeBackend({ latencyMs: 0 });
    const first = await settle(backend.doctor(), 0);
    first.ports.length = 0;
    first.appVersion = "mutated";
    const second = await settle(backend.doctor(), 0);
    expect(second).toEqual(FAKE_DOCTOR_REPORT);
  });

  it("rejects with an AppError when told to fail", async () => {
    const backend = createFakeBackend({ fail: { doctor: { code: "io", message: "disk gone" } } });
    const result = backend.doctor().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(FAKE_DEFAULT_LATENCY_MS);
    const error = await result;
    expect(isAppError(error)).toBe(true);
    expect(error).toEqual({ code: "io", message: "disk gone" });
  });
});

describe("fake backend: console subscription", () => {
  it("delivers the app's start-up lines, then whatever the simulated Mayas print", async () => {
    const batches: ConsoleBatch[] = [];
    const backend = createFakeBackend({ now: () => 1_700_000_000_000, storage: null });
    await settle(backend.subscribeConsole((b) => batches.push(b)));
    await vi.advanceTimersByTimeAsync(lastStep + 1);
    const lines = batches.flatMap((b) => b.lines);
    expect(lines.length).toBe(scriptedLineCount);
    expect(lines.map((l) => l.text)).toEqual(FAKE_CONSOLE_SCRIPT.flatMap((s) => s.lines.map((l) => l.text)));
    for (const line of lines) expect(line).toMatchObject({ session: "app", timeMs: 1_700_000_000_000 });
    expect(lines[0]).toMatchObject({ session: "app", kind: "notice" });
  });

  it("never delivers during subscribe itself", async () => {
    const onBatch = vi.fn();
    await settle(createFakeBackend({ storage: null }).subscribeConsole(onBatch));
    expect(onBatch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onBatch).toHaveBeenCalledTimes(1);
  });

  it("stops delivering after unsubscribe, and unsubscribing twice is harmless", async () => {
    const onBatch = vi.fn();
    const backend = createFakeBackend({ storage: null });
    const unsubscribe = await settle(backend.subscribeConsole(onBatch));
    unsubscribe();
    unsubscribe();
    await vi.advanceTimersByTimeAsync(1000);
    expect(onBatch).not.toHaveBeenCalled();
    await settle(backend.openLogFolder(), FAKE_DEFAULT_LATENCY_MS);
    expect(onBatch).not.toHaveBeenCalled();
  });

  it("gives each subscriber its own replay, independent of the others", async () => {
    const a = vi.fn();
    const b = vi.fn();
    const backend = createFakeBackend({ latencyMs: 0, storage: null });
    const stopA = await settle(backend.subscribeConsole(a), 0);
    await settle(backend.subscribeConsole(b), 0);
    stopA();
    await vi.advanceTimersByTimeAsync(lastStep + 1);
    expect(b).toHaveBeenCalledTimes(FAKE_CONSOLE_SCRIPT.length);
    expect(a).not.toHaveBeenCalled();
  });

  it("openLogFolder resolves and posts a notice to live subscribers", async () => {
    const batches: ConsoleBatch[] = [];
    const backend = createFakeBackend({ consoleScript: [], storage: null });
    await settle(backend.subscribeConsole((b) => batches.push(b)));
    await settle(backend.openLogFolder());
    expect(batches).toHaveLength(1);
    expect(batches[0]?.lines[0]).toMatchObject({ session: "app", kind: "notice" });
    expect(batches[0]?.lines[0]?.text).toContain(FAKE_DOCTOR_REPORT.logDir);
  });
});

describe("fake backend: files, tabs and clipboard", () => {
  it("opens the scripts it ships, saves new ones, and fails like the engine for missing files", async () => {
    const backend = createFakeBackend({ latencyMs: 0, storage: null });
    const path = await settle(backend.pickOpenFile([]), 0);
    expect(path).toMatch(/walk_tools\.py$/);
    expect(await settle(backend.readFile(path as string), 0)).toContain("import maya.cmds");
    const saveTo = await settle(backend.pickSaveFile("new.py", []), 0);
    expect(saveTo).toBe("/home/artist/scripts/new.py");
    await settle(backend.writeFile(saveTo as string, "print(1)"), 0);
    expect(await settle(backend.readFile(saveTo as string), 0)).toBe("print(1)");
    const missing = backend.readFile("/nope.py").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(await missing).toMatchObject({ code: "io" });
  });

  it("keeps autosaved tabs, and can be told to fail like a full disk", async () => {
    const backend = createFakeBackend({ latencyMs: 0, storage: null });
    expect(await settle(backend.loadTabs(), 0)).toBeNull();
    await settle(backend.saveTabs("{}"), 0);
    expect(await settle(backend.loadTabs(), 0)).toBe("{}");
    const failing = createFakeBackend({ latencyMs: 0, storage: null, ...fakeOptionsFromQuery("?fakeFail=saveTabs") });
    const result = failing.saveTabs("{}").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(await result).toMatchObject({ code: "io", message: expect.stringMatching(/disk is full/) });
  });
});

describe("fakeOptionsFromQuery", () => {
  it("reads latency and failures from the query string", () => {
    const options = fakeOptionsFromQuery("?fakeLatency=0&fakeFail=doctor,openLogFolder");
    expect(options.latencyMs).toBe(0);
    expect(options.fail?.doctor?.code).toBe("io");
    expect(options.fail?.openLogFolder?.code).toBe("io");
  });

  it("ignores what it does not know", () => {
    expect(fakeOptionsFromQuery("")).toEqual({});
    expect(fakeOptionsFromQuery("?fakeLatency=soon&other=1")).toEqual({});
    expect(fakeOptionsFromQuery("?fakeFail=everything").fail).toEqual({});
    expect(fakeOptionsFromQuery("?fakeScenario=studio").scenario).toBe("studio");
    expect(fakeOptionsFromQuery("?fakeScenario=other").scenario).toBeUndefined();
  });
});
