import { describe, expect, it } from "vitest";
import type { LineKind } from "../bindings/LineKind";
import { LINE_KINDS, LINE_KIND_STYLES, formatLineTime, lineKindStyle } from "./line-kind-style";

const BINDING_KINDS: LineKind[] = ["output", "history", "info", "warning", "error", "result", "stack_trace", "echo", "notice"];

describe("line kind styles", () => {
  it("covers every LineKind of the bindings", () => {
    expect([...LINE_KINDS].sort()).toEqual([...BINDING_KINDS].sort());
  });

  it("gives every kind its own CSS class and label", () => {
    const classes = LINE_KINDS.map((k) => LINE_KIND_STYLES[k].className);
    expect(new Set(classes).size).toBe(LINE_KINDS.length);
    for (const c of classes) expect(c).toMatch(/^line-[a-z-]+$/);
    const labels = LINE_KINDS.map((k) => LINE_KIND_STYLES[k].label);
    expect(new Set(labels).size).toBe(LINE_KINDS.length);
  });

  it("maps kinds to classes", () => {
    expect(lineKindStyle("error").className).toBe("line-error");
    expect(lineKindStyle("stack_trace").className).toBe("line-stack-trace");
    expect(lineKindStyle("notice").className).toBe("line-notice");
  });

  it("shows kinds from a newer engine as output", () => {
    expect(lineKindStyle("debug")).toBe(LINE_KIND_STYLES.output);
    expect(lineKindStyle("constructor")).toBe(LINE_KIND_STYLES.output);
  });

  it("formats times as local hh:mm:ss.mmm", () => {
    const t = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();
    expect(formatLineTime(t)).toBe("03:04:05.006");
  });
});
