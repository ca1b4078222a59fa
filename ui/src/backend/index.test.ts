import { afterEach, describe, expect, it, vi } from "vitest";
import { chooseBackendKind, isInsideTauri, loadBackend } from "./index";

vi.mock("@tauri-apps/api/core", () => ({
  invoke: vi.fn(),
  Channel: class {
    onmessage: ((m: unknown) => void) | undefined;
  },
}));

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("chooseBackendKind", () => {
  it("uses Tauri inside the Tauri webview", () => {
    expect(chooseBackendKind({ insideTauri: true, mode: "production" })).toBe("tauri");
    expect(chooseBackendKind({ insideTauri: true, mode: "development" })).toBe("tauri");
  });

  it("uses the fake in a plain browser", () => {
    expect(chooseBackendKind({ insideTauri: false, mode: "production" })).toBe("fake");
  });

  it("always uses the fake in a --mode fake build", () => {
    expect(chooseBackendKind({ insideTauri: true, mode: "fake" })).toBe("fake");
    expect(chooseBackendKind({ insideTauri: false, mode: "fake" })).toBe("fake");
  });
});

describe("isInsideTauri", () => {
  it("looks for __TAURI_INTERNALS__ on the window", () => {
    expect(isInsideTauri({ window: { __TAURI_INTERNALS__: {} } })).toBe(true);
    expect(isInsideTauri({ window: {} })).toBe(false);
    expect(isInsideTauri({ __TAURI_INTERNALS__: {} })).toBe(true);
    expect(isInsideTauri(undefined)).toBe(false);
    expect(isInsideTauri(null)).toBe(false);
  });

  it("is false in this test process (no webview)", () => {
    expect(isInsideTauri()).toBe(false);
  });

  it("sees a stubbed window global", () => {
    vi.stubGlobal("window", { __TAURI_INTERNALS__: {} });
    expect(isInsideTauri()).toBe(true);
  });
});

describe("loadBackend", () => {
  it("loads the fake outside Tauri", async () => {
    const backend = await loadBackend({ insideTauri: false, mode: "production" });
    expect(backend.kind).toBe("fake");
  });

  it("loads the Tauri backend inside Tauri", async () => {
    const backend = await loadBackend({ insideTauri: true, mode: "production" });
    expect(backend.kind).toBe("tauri");
  });

  it("loads the fake in fake mode even inside Tauri", async () => {
    const backend = await loadBackend({ insideTauri: true, mode: "fake" });
    expect(backend.kind).toBe("fake");
  });

  it("gives both implementations the full Backend interface", async () => {
    for (const insideTauri of [false, true]) {
      const backend = await loadBackend({ insideTauri, mode: "production" });
      expect(typeof backend.doctor).toBe("function");
      expect(typeof backend.openLogFolder).toBe("function");
      expect(typeof backend.subscribeConsole).toBe("function");
    }
  });
});
