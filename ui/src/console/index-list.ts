// A growable, ascending list of absolute line numbers (a console view's visible lines, or
// the lines a search matched), stored in a Float64Array with a moving head so dropping
// the oldest entries (when the store evicts lines) costs nothing.

export class IndexList {
  #data: Float64Array;
  #head = 0;
  #tail = 0;

  constructor(capacity = 1024) {
    this.#data = new Float64Array(Math.max(16, capacity));
  }

  get length(): number {
    return this.#tail - this.#head;
  }

  /** The i-th entry (0 = oldest). */
  at(i: number): number {
    return this.#data[this.#head + i] as number;
  }

  last(): number | undefined {
    return this.#tail > this.#head ? this.#data[this.#tail - 1] : undefined;
  }

  push(value: number): void {
    if (this.#tail === this.#data.length) this.#grow();
    this.#data[this.#tail++] = value;
  }

  clear(): void {
    this.#head = 0;
    this.#tail = 0;
  }

  /** Drops entries smaller than `min`; returns how many went. */
  dropBelow(min: number): number {
    // Entries are ascending: binary search the first one ≥ min.
    const cut = this.lowerBound(min);
    this.#head += cut;
    if (this.#head === this.#tail) this.clear();
    return cut;
  }

  /** Index of the first entry ≥ value (length when there is none). */
  lowerBound(value: number): number {
    let lo = 0;
    let hi = this.length;
    const d = this.#data;
    const h = this.#head;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((d[h + mid] as number) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of `value`, or -1. */
  indexOf(value: number): number {
    const i = this.lowerBound(value);
    return i < this.length && this.at(i) === value ? i : -1;
  }

  #grow(): void {
    const live = this.length;
    // Reclaim the dropped head first; grow only when at least half full.
    const size = live * 2 > this.#data.length ? this.#data.length * 2 : this.#data.length;
    const next = new Float64Array(size);
    next.set(this.#data.subarray(this.#head, this.#tail));
    this.#data = next;
    this.#head = 0;
    this.#tail = live;
  }

  /** Bytes held (for the benchmark's memory report). */
  get byteLength(): number {
    return this.#data.byteLength;
  }
}
