import { describe, expect, it } from "vitest";
import { FrameBatcher } from "./frame-batcher";

/** A scheduler the test drives by hand: `frame()` runs what was scheduled. */
function manualFrames() {
  let queued: Array<() => void> = [];
  return {
    schedule: (cb: () => void) => void queued.push(cb),
    frame() {
      const run = queued;
      queued = [];
      for (const cb of run) cb();
    },
    get pending() {
      return queued.length;
    },
  };
}

describe("FrameBatcher", () => {
  it("flushes everything pushed during a frame once, in order", () => {
    const frames = manualFrames();
    const flushes: number[][] = [];
    const batcher = new FrameBatcher<number>((items) => flushes.push(items), frames.schedule);
    batcher.push([1, 2]);
    batcher.push([3]);
    batcher.push([4, 5]);
    expect(flushes).toEqual([]);
    expect(frames.pending).toBe(1);
    frames.frame();
    expect(flushes).toEqual([[1, 2, 3, 4, 5]]);
  });

  it("schedules a new frame for items pushed after a flush", () => {
    const frames = manualFrames();
    const flushes: number[][] = [];
    const batcher = new FrameBatcher<number>((items) => flushes.push(items), frames.schedule);
    batcher.push([1]);
    frames.frame();
    batcher.push([2]);
    frames.frame();
    frames.frame();
    expect(flushes).toEqual([[1], [2]]);
  });

  it("ignores empty pushes and drops everything after stop", () => {
    const frames = manualFrames();
    const flushes: number[][] = [];
    const batcher = new FrameBatcher<number>((items) => flushes.push(items), frames.schedule);
    batcher.push([]);
    expect(frames.pending).toBe(0);
    batcher.push([1]);
    batcher.stop();
    frames.frame();
    batcher.push([2]);
    frames.frame();
    expect(flushes).toEqual([]);
  });
});
