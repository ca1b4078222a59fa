// Picks the Backend implementation: Tauri IPC inside the Tauri webview, the fake in a
// plain browser, and always the fake in a `--mode fake` build (where the Tauri module is
// compiled out: the dynamic import below sits behind a build-time constant).
import type { Backend, BackendKind } from "./backend";

export interface BackendEnvironment {
  /** `window.__TAURI_INTERNALS__` exists: we run inside the Tauri webview. */
  insideTauri: boolean;
  /** Vite mode of the build ("fake" forces the fake backend). */
  mode: string;
}

export function chooseBackendKind(env: BackendEnvironment): BackendKind {
  if (env.mode === "fake") return "fake";
  return env.insideTauri ? "tauri" : "fake";
}

export function isInsideTauri(scope: unknown = globalThis): boolean {
  if (typeof scope !== "object" || scope === null) return false;
  const win = (scope as { window?: unknown }).window ?? scope;
  return typeof win === "object" && win !== null && "__TAURI_INTERNALS__" in win;
}

export function currentEnvironment(): BackendEnvironment {
  return { insideTauri: isInsideTauri(), mode: import.meta.env.MODE };
}

export async function loadBackend(env: BackendEnvironment = currentEnvironment()): Promise<Backend> {
  // `import.meta.env.MODE` is replaced at build time, so a fake build drops this branch.
  if (import.meta.env.MODE !== "fake" && chooseBackendKind(env) === "tauri") {
    const { createTauriBackend } = await import("./tauri");
    return createTauriBackend();
  }
  const { createFakeBackend, fakeOptionsFromQuery } = await import("./fake");
  const search = typeof location === "undefined" ? "" : location.search;
  return createFakeBackend(fakeOptionsFromQuery(search));
}
