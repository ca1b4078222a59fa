import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../bindings/ErrorCode";
import { ERROR_CODE_LABELS, describeAppError, isAppError, isErrorCode, toAppError } from "./app-error";

const CODES: ErrorCode[] = ["unreachable", "timeout", "protocol", "script_error", "invalid_input", "cancelled", "io", "internal"];

describe("app errors", () => {
  it("knows every code of the bindings and nothing else", () => {
    expect(Object.keys(ERROR_CODE_LABELS).sort()).toEqual([...CODES].sort());
    for (const code of CODES) expect(isErrorCode(code)).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
    expect(isErrorCode("nope")).toBe(false);
  });

  it("recognises the AppError shape", () => {
    expect(isAppError({ code: "timeout", message: "slow" })).toBe(true);
    expect(isAppError({ code: "timeout" })).toBe(false);
    expect(isAppError({ code: "bogus", message: "x" })).toBe(false);
    expect(isAppError("timeout")).toBe(false);
    expect(isAppError(null)).toBe(false);
  });

  it("normalises anything into an AppError", () => {
    expect(toAppError({ code: "timeout", message: "slow", extra: 1 })).toEqual({ code: "timeout", message: "slow" });
    expect(toAppError(new TypeError("bad"))).toEqual({ code: "internal", message: "bad" });
    expect(toAppError("plain")).toEqual({ code: "internal", message: "plain" });
    expect(toAppError(undefined)).toEqual({ code: "internal", message: "Unknown error" });
    expect(toAppError({ weird: true })).toEqual({ code: "internal", message: '{"weird":true}' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toAppError(cyclic).code).toBe("internal");
  });

  it("describes an error for people", () => {
    expect(describeAppError({ code: "unreachable", message: "no Maya on :7001" })).toBe("Not reachable: no Maya on :7001");
  });
});
