import { describe, expect, it } from "vitest";
import type { ConsoleLine } from "../bindings/ConsoleLine";
import { LineStore, kindCode, kindOfCode } from "./line-store";

const line = (text: string, session = "s", kind: ConsoleLine["kind"] = "output"): ConsoleLine => ({ session, kind, text, timeMs: 7 });
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => line(`l${from + i}`));
const texts = (s: LineStore) => Array.from({ length: s.size }, (_, i) => s.textAt(s.first + i));

describe("LineStore", () => {
  it("keeps lines in order under absolute numbers", () => {
    const s = new LineStore(10);
    s.append(lines(0, 3));
    s.append(lines(3, 5));
    expect(texts(s)).toEqual(["l0", "l1", "l2", "l3", "l4"]);
    expect([s.first, s.end, s.size]).toEqual([0, 5, 5]);
    expect(s.line(3)).toEqual({ index: 3, session: "s", kind: "output", text: "l3", timeMs: 7 });
  });

  it("splits multi-line texts into one row per line", () => {
    const s = new LineStore(10);
    s.append([line("a\nb\r\nc\n", "x", "stack_trace")]);
    expect(texts(s)).toEqual(["a", "b", "c"]);
    expect(s.kindAt(2)).toBe("stack_trace");
    expect(s.sessionAt(1)).toBe("x");
  });

  it("evicts the oldest beyond the cap, numbering goes on, and counts them", () => {
    const s = new LineStore(4);
    expect(s.append(lines(0, 3))).toBe(0);
    expect(s.append(lines(3, 6))).toBe(2);
    expect(texts(s)).toEqual(["l2", "l3", "l4", "l5"]);
    expect(s.first).toBe(2);
    expect(s.has(1)).toBe(false);
    expect(s.evicted).toBe(2);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.evicted).toBe(0);
    s.append([line("after")]);
    expect(s.first).toBe(6);
    expect(s.textAt(6)).toBe("after");
  });

  it("maps kinds to codes and back; unknown kinds read as output", () => {
    expect(kindOfCode(kindCode("warning"))).toBe("warning");
    expect(kindOfCode(kindCode("debug"))).toBe("output");
  });

  it("holds a million lines across chunks and evicts whole chunks past its cap", () => {
    const s = new LineStore(1_000_000);
    const batch: ConsoleLine[] = [];
    for (let i = 0; i < 1_100_000; i++) batch.push({ session: i % 2 ? "a" : "b", kind: i % 10 === 0 ? "error" : "output", text: `line ${i}`, timeMs: i });
    s.append(batch);
    expect(s.size).toBe(1_000_000);
    expect(s.first).toBe(100_000);
    expect(s.textAt(s.first)).toBe("line 100000");
    expect(s.textAt(s.end - 1)).toBe("line 1099999");
    expect(s.kindAt(500_000)).toBe("error");
    expect(s.sessionAt(500_001)).toBe("a");
    expect(s.timeAt(765_432)).toBe(765_432);
  });
});
