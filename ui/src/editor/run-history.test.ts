import { describe, expect, it } from "vitest";
import { addToHistory, markResult, parseHistory, summarizeCode, type HistoryMap } from "./run-history";

const entry = (code: string) => ({ code, lang: "python" as const, timeMs: 1, ok: null });

describe("run history", () => {
  it("keeps the newest first, per session, merging repeats, capped", () => {
    let map: HistoryMap = {};
    map = addToHistory(map, "a", entry("x"));
    map = addToHistory(map, "a", entry("y"));
    map = addToHistory(map, "a", entry("y"));
    map = addToHistory(map, "b", entry("z"));
    expect(map.a?.map((e) => e.code)).toEqual(["y", "x"]);
    expect(map.b?.map((e) => e.code)).toEqual(["z"]);
    for (let i = 0; i < 10; i++) map = addToHistory(map, "c", entry(`c${i}`), 3);
    expect(map.c?.map((e) => e.code)).toEqual(["c9", "c8", "c7"]);
    expect(markResult(map, "a", "x", false).a?.[1]?.ok).toBe(false);
  });

  it("survives a round-trip and garbage", () => {
    const map = addToHistory({}, "a", entry("x"));
    expect(parseHistory(JSON.stringify(map))).toEqual(map);
    expect(parseHistory("nope")).toEqual({});
    expect(parseHistory(JSON.stringify({ a: [{ nope: 1 }, { code: "ok", lang: "mel" }] }))).toEqual({ a: [{ code: "ok", lang: "mel", timeMs: 0, ok: null }] });
  });

  it("summarizes code on one line", () => {
    expect(summarizeCode("\nimport maya.cmds as cmds\nprint(1)\n")).toBe("import maya.cmds as cmds (+1 lines)");
  });
});
