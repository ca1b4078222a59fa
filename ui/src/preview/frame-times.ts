// The viewport's frame times, for the preview benchmark and the tests: the work of each
// rendered frame and the interval between frames, the last few thousand of each.
const SAMPLES = 4096;

export interface FrameTimes {
  /** Milliseconds of work per rendered frame (pose solve + instance update + render). */
  work: number[];
  /** Milliseconds between consecutive rendered frames. */
  intervals: number[];
}

export class FrameRecorder {
  #work: number[] = [];
  #intervals: number[] = [];
  #lastAt = 0;

  /** A frame rendered at `now` (rAF time) that took `workMs`. A pause over a second is not an interval. */
  record(now: number, workMs: number) {
    push(this.#work, workMs);
    if (this.#lastAt > 0 && now - this.#lastAt < 1000) push(this.#intervals, now - this.#lastAt);
    this.#lastAt = now;
  }

  times(): FrameTimes {
    return { work: [...this.#work], intervals: [...this.#intervals] };
  }

  reset() {
    this.#work = [];
    this.#intervals = [];
    this.#lastAt = 0;
  }
}

function push(list: number[], v: number) {
  list.push(v);
  if (list.length > SAMPLES) list.splice(0, list.length - SAMPLES);
}
