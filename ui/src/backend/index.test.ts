import { afterEach, describe, expect, it, vi } from "vitest";
import { chooseBackendKind, isInsideTauri, loadBackend } from "./index";
import { socketUrl } from "./websocket";

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
  it("uses Tauri IPC inside the Tauri webview and a WebSocket anywhere else", () => {
    expect(chooseBackendKind(true)).toBe("tauri");
    expect(chooseBackendKind(false)).toBe("browser");
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
  it("loads the Tauri transport inside Tauri, with the full Backend interface", async () => {
    const backend = await loadBackend(true);
    expect(backend.kind).toBe("tauri");
    expect(typeof backend.doctor).toBe("function");
    expect(typeof backend.subscribeMosketch).toBe("function");
  });

  it("outside Tauri, fails with an AppError when no mayalink serve answers", async () => {
    class RefusedSocket {
      onopen: (() => void) | null = null;
      onerror: (() => void) | null = null;
      constructor(readonly url: string) {
        setTimeout(() => this.onerror?.(), 0);
      }
    }
    vi.stubGlobal("WebSocket", RefusedSocket);
    vi.stubGlobal("location", new URL("http://127.0.0.1:9/abc123/"));
    await expect(loadBackend(false)).rejects.toMatchObject({ code: "unreachable" });
  });
});

describe("socketUrl", () => {
  it("is the page's folder (which carries the token) plus ws", () => {
    expect(socketUrl("http://127.0.0.1:4100/0a1b/")).toBe("ws://127.0.0.1:4100/0a1b/ws");
    expect(socketUrl("http://127.0.0.1:4100/0a1b/index.html?x=1#y")).toBe("ws://127.0.0.1:4100/0a1b/ws");
    expect(socketUrl("https://host/t/")).toBe("wss://host/t/ws");
  });
});
