// Test support, not a test and not part of the app: a `Backend` made of only the methods a
// unit test provides. Every other method rejects with `{ code: "internal", message: "not used
// by this test: <name>" }`, so a test that reaches further than it meant to fails loudly
// instead of talking to an imitation of the engine.
import type { AppError } from "../bindings/AppError";
import type { Backend } from "../backend/backend";

export function stubBackend(overrides: Partial<Backend> = {}): Backend {
  const given: Partial<Backend> = { kind: "browser", ...overrides };
  return new Proxy(given, {
    get(target, name, receiver) {
      if (name in target) return Reflect.get(target, name, receiver);
      // Not a thenable, not serialisable: `await`, expect() and JSON see a plain object.
      if (typeof name === "symbol" || name === "then" || name === "toJSON") return undefined;
      return () => Promise.reject({ code: "internal", message: `not used by this test: ${name}` } satisfies AppError);
    },
  }) as Backend;
}
