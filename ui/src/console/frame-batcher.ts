// Coalesces items arriving at any rate into at most one flush per animation frame, so the
// console re-renders once per frame however many batches the engine sends.

export type FrameScheduler = (callback: () => void) => void;

export const animationFrameScheduler: FrameScheduler = (callback) => {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => callback());
  else setTimeout(callback, 16);
};

export class FrameBatcher<T> {
  #pending: T[] = [];
  #scheduled = false;
  #stopped = false;
  readonly #flush: (items: T[]) => void;
  readonly #schedule: FrameScheduler;

  constructor(flush: (items: T[]) => void, schedule: FrameScheduler = animationFrameScheduler) {
    this.#flush = flush;
    this.#schedule = schedule;
  }

  push(items: readonly T[]): void {
    if (this.#stopped || items.length === 0) return;
    for (const item of items) this.#pending.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(() => {
      this.#scheduled = false;
      if (this.#stopped) return;
      const items = this.#pending;
      this.#pending = [];
      if (items.length > 0) this.#flush(items);
    });
  }

  /** Drops anything pending; later pushes are ignored. */
  stop(): void {
    this.#stopped = true;
    this.#pending = [];
  }
}
