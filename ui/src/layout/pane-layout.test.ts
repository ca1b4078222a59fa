import { describe, expect, it } from "vitest";
import {
  DEFAULT_PANE_LAYOUT,
  PANE_LIMITS,
  clampPaneLayout,
  dividerKeyAction,
  maxSideWidth,
  parsePaneLayout,
  serializePaneLayout,
} from "./pane-layout";

describe("clampPaneLayout", () => {
  it("keeps a layout that fits", () => {
    expect(clampPaneLayout(DEFAULT_PANE_LAYOUT, 1280)).toEqual(DEFAULT_PANE_LAYOUT);
  });

  it("brings each size within its limits", () => {
    const l = clampPaneLayout({ sidebar: 10, preview: 5000, editorShare: 2 }, 4000);
    expect(l.sidebar).toBe(PANE_LIMITS.sidebar.min);
    expect(l.preview).toBe(PANE_LIMITS.preview.max);
    expect(l.editorShare).toBe(PANE_LIMITS.editorShare.max);
  });

  it("shrinks the preview first, then the sidebar, so the centre keeps its minimum", () => {
    const l = clampPaneLayout({ sidebar: 300, preview: 500, editorShare: 0.5 }, 1000);
    expect(l.sidebar).toBe(300);
    expect(l.preview).toBe(1000 - 300 - PANE_LIMITS.centreMin);

    const tight = clampPaneLayout({ sidebar: 300, preview: 500, editorShare: 0.5 }, 850);
    expect(tight.preview).toBe(PANE_LIMITS.preview.min);
    expect(tight.sidebar).toBe(850 - PANE_LIMITS.preview.min - PANE_LIMITS.centreMin);
    expect(tight.sidebar + tight.preview + PANE_LIMITS.centreMin).toBe(850);
  });

  it("never goes below the minimums, even in a tiny window", () => {
    const l = clampPaneLayout(DEFAULT_PANE_LAYOUT, 300);
    expect(l.sidebar).toBe(PANE_LIMITS.sidebar.min);
    expect(l.preview).toBe(PANE_LIMITS.preview.min);
  });
});

describe("maxSideWidth", () => {
  it("leaves the centre its minimum width", () => {
    expect(maxSideWidth("sidebar", { ...DEFAULT_PANE_LAYOUT, preview: 400 }, 1100)).toBe(1100 - 400 - PANE_LIMITS.centreMin);
    expect(maxSideWidth("preview", DEFAULT_PANE_LAYOUT, 4000)).toBe(PANE_LIMITS.preview.max);
    expect(maxSideWidth("preview", DEFAULT_PANE_LAYOUT, 500)).toBe(PANE_LIMITS.preview.min);
  });
});

describe("dividerKeyAction", () => {
  it("steps along the divider's axis, bigger with Shift", () => {
    expect(dividerKeyAction("ArrowLeft", "x", false)).toEqual({ step: -16 });
    expect(dividerKeyAction("ArrowRight", "x", true)).toEqual({ step: 64 });
    expect(dividerKeyAction("ArrowUp", "y", false)).toEqual({ step: -16 });
    expect(dividerKeyAction("ArrowDown", "y", false)).toEqual({ step: 16 });
  });

  it("ignores arrows across the axis and other keys; Home/End jump", () => {
    expect(dividerKeyAction("ArrowUp", "x", false)).toBeNull();
    expect(dividerKeyAction("ArrowLeft", "y", false)).toBeNull();
    expect(dividerKeyAction("a", "x", false)).toBeNull();
    expect(dividerKeyAction("Home", "x", false)).toBe("min");
    expect(dividerKeyAction("End", "y", false)).toBe("max");
  });
});

describe("stored layouts", () => {
  it("round-trips", () => {
    const layout = { sidebar: 250, preview: 420, editorShare: 0.4 };
    expect(parsePaneLayout(serializePaneLayout(layout))).toEqual(layout);
  });

  it("falls back to the defaults for missing, broken or partial data", () => {
    expect(parsePaneLayout(null)).toEqual(DEFAULT_PANE_LAYOUT);
    expect(parsePaneLayout("{not json")).toEqual(DEFAULT_PANE_LAYOUT);
    expect(parsePaneLayout('{"sidebar":"wide","preview":300}')).toEqual({ ...DEFAULT_PANE_LAYOUT, preview: 300 });
    expect(parsePaneLayout("null")).toEqual(DEFAULT_PANE_LAYOUT);
  });
});
