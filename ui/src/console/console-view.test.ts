import { describe, expect, it } from "vitest";
import type { ConsoleLine } from "../bindings/ConsoleLine";
import type { LineKind } from "../bindings/LineKind";
import { ALL_KINDS, ConsoleView, searchPattern } from "./console-view";
import { LineStore } from "./line-store";

const line = (text: string, session = "A", kind: LineKind = "output"): ConsoleLine => ({ session, kind, text, timeMs: 0 });
const shown = (v: ConsoleView) => Array.from({ length: v.length }, (_, i) => v.store.textAt(v.lineAt(i)));
const pumpAll = (v: ConsoleView) => {
  while (!v.pumpSearch(1000));
};

function setup(lines: ConsoleLine[], cap = 100) {
  const store = new LineStore(cap);
  store.append(lines);
  const view = new ConsoleView(store);
  return { store, view };
}

describe("ConsoleView: scope and kinds", () => {
  it("shows everything by default, without an index", () => {
    const { view } = setup([line("a"), line("b", "B")]);
    expect(shown(view)).toEqual(["a", "b"]);
    expect(view.positionOf(1)).toBe(1);
    expect(view.contains(1)).toBe(true);
  });

  it("a session's view has its lines and the app's notices", () => {
    const { view } = setup([line("a1"), line("b1", "B"), line("note", "app", "notice"), line("a2")]);
    view.setFilter({ scope: "A", kinds: ALL_KINDS });
    expect(shown(view)).toEqual(["a1", "note", "a2"]);
    view.setFilter({ scope: "nobody", kinds: ALL_KINDS });
    expect(shown(view)).toEqual(["note"]);
  });

  it("filters by kind and keeps up as lines arrive", () => {
    const { store, view } = setup([line("o"), line("w", "A", "warning"), line("e", "A", "error")]);
    view.setFilter({ scope: null, kinds: new Set<LineKind>(["warning", "error"]) });
    expect(shown(view)).toEqual(["w", "e"]);
    store.append([line("o2"), line("e2", "A", "error")]);
    view.sync();
    expect(shown(view)).toEqual(["w", "e", "e2"]);
  });

  it("reports rows evicted from the top so a reader can stay in place", () => {
    const { store, view } = setup([line("1"), line("2"), line("3")], 3);
    store.append([line("4"), line("5")]);
    expect(view.sync().removedFromTop).toBe(2);
    expect(shown(view)).toEqual(["3", "4", "5"]);
    view.setFilter({ scope: "A", kinds: ALL_KINDS });
    store.append([line("6")]);
    expect(view.sync().removedFromTop).toBe(1);
    expect(shown(view)).toEqual(["4", "5", "6"]);
  });

  it("clearing a session's view hides its lines there only; clearing all empties the store", () => {
    const { store, view } = setup([line("a1"), line("b1", "B")]);
    view.setFilter({ scope: "A", kinds: ALL_KINDS });
    view.clearView();
    expect(shown(view)).toEqual([]);
    store.append([line("a2")]);
    view.sync();
    expect(shown(view)).toEqual(["a2"]);
    view.setFilter({ scope: null, kinds: ALL_KINDS });
    expect(shown(view)).toEqual(["a1", "b1", "a2"]);
    view.clearView();
    expect(store.size).toBe(0);
    expect(view.length).toBe(0);
  });
});

describe("ConsoleView: search", () => {
  it("matches case-insensitively as plain text (no regex surprises)", () => {
    expect(searchPattern("a.b(")?.test("xA.B(y")).toBe(true);
    expect(searchPattern("a.b(")?.test("axb(")).toBe(false);
    expect(searchPattern("")).toBeNull();
  });

  it("counts matches in the view, steps with wrap-around and follows new lines", () => {
    const { store, view } = setup([line("Hips"), line("spine"), line("hips", "B"), line("HIPS")]);
    view.setFilter({ scope: "A", kinds: ALL_KINDS });
    view.setQuery("hips");
    pumpAll(view);
    expect(view.matchCount).toBe(2);
    expect(view.step(1)).toBe(0);
    expect(view.step(1)).toBe(3);
    expect(view.currentMatchNumber).toBe(2);
    expect(view.step(1)).toBe(0);
    expect(view.step(-1)).toBe(3);
    expect(view.selectMatchFrom(1)).toBe(3);
    store.append([line("more hips")]);
    view.sync();
    expect(view.searching).toBe(true);
    pumpAll(view);
    expect(view.matchCount).toBe(3);
    expect(view.isMatch(4)).toBe(true);
    view.setQuery("");
    expect(view.matchCount).toBe(0);
    expect(view.searching).toBe(false);
  });

  it("drops matches of evicted lines", () => {
    const { store, view } = setup([line("x1"), line("x2"), line("y")], 3);
    view.setQuery("x");
    pumpAll(view);
    view.step(1);
    store.append([line("z"), line("z")]);
    view.sync();
    expect(view.matchCount).toBe(0);
    expect(view.currentMatch).toBeNull();
  });
});

describe("ConsoleView with a million lines", () => {
  const N = 1_000_000;
  const store = new LineStore(2_000_000);
  const batch: ConsoleLine[] = new Array(N);
  for (let i = 0; i < N; i++) {
    batch[i] = {
      session: i % 4 === 0 ? "rig" : "anim",
      kind: i % 1000 === 0 ? "error" : i % 7 === 0 ? "warning" : "output",
      text: i % 50_000 === 0 ? `# Error: joint_${i} is locked` : `frame ${i}: Spine.rotateY = ${(i * 0.37) % 360}`,
      timeMs: i,
    };
  }
  store.append(batch);
  const view = new ConsoleView(store);

  it("shows all of them instantly (no index) and any row is at hand", () => {
    const t = performance.now();
    expect(view.length).toBe(N);
    expect(store.textAt(view.lineAt(654_321))).toContain("frame 654321");
    expect(performance.now() - t).toBeLessThan(50);
  });

  it("filters a session and a kind within a fraction of a second", () => {
    const t = performance.now();
    view.setFilter({ scope: "rig", kinds: new Set<LineKind>(["error"]) });
    const ms = performance.now() - t;
    // Errors every 1000th line, all of them on "rig" lines (i % 4 === 0).
    expect(view.length).toBe(N / 1000);
    expect(ms).toBeLessThan(1000);
    view.setFilter({ scope: null, kinds: ALL_KINDS });
    expect(view.length).toBe(N);
  });

  it("searches in slices of a few milliseconds and finds every match", () => {
    view.setQuery("is locked");
    let slices = 0;
    let longest = 0;
    for (;;) {
      const t = performance.now();
      const done = view.pumpSearch(8);
      longest = Math.max(longest, performance.now() - t);
      slices++;
      if (done) break;
    }
    expect(view.matchCount).toBe(N / 50_000);
    expect(slices).toBeGreaterThan(1);
    // A slice stops soon after its budget (one 2048-line step past it at most).
    expect(longest).toBeLessThan(100);
    expect(view.selectMatchFrom(500_001)).toBe(550_000);
  });
});
