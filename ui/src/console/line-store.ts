// The console's line store: every line received, in arrival order, addressed by an absolute
// line number that never changes (eviction and clear only move `first`). Columnar and
// chunked, so a million lines cost little more than their text: kinds, sessions and times
// live in typed arrays, and eviction drops whole chunks. A text with newlines becomes one
// row per line, so every row has the same height in the virtualised view.
import type { ConsoleLine } from "../bindings/ConsoleLine";
import type { LineKind } from "../bindings/LineKind";
import { LINE_KINDS } from "./line-kind-style";

export const DEFAULT_STORE_CAP = 2_000_000;
const CHUNK = 16_384;

/** Kind ↔ small integer, for the typed column. Unknown kinds (a newer engine) read as output. */
export const KIND_CODES: ReadonlyMap<string, number> = new Map(LINE_KINDS.map((k, i) => [k, i]));
const OUTPUT_CODE = KIND_CODES.get("output") as number;
export const kindCode = (kind: string): number => KIND_CODES.get(kind) ?? OUTPUT_CODE;
export const kindOfCode = (code: number): LineKind => LINE_KINDS[code] ?? "output";

class Chunk {
  readonly texts: string[] = [];
  readonly kinds = new Uint8Array(CHUNK);
  readonly sessions = new Uint16Array(CHUNK);
  readonly times = new Float64Array(CHUNK);
  length = 0;
  constructor(readonly base: number) {}
}

export interface StoredLine extends ConsoleLine {
  /** Absolute line number. */
  readonly index: number;
}

export class LineStore {
  readonly cap: number;
  #chunks: Chunk[] = [];
  #first = 0;
  #end = 0;
  #sessionNames: string[] = [];
  #sessionCodes = new Map<string, number>();
  #evicted = 0;

  constructor(cap: number = DEFAULT_STORE_CAP) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`console cap must be a positive integer, got ${cap}`);
    this.cap = cap;
  }

  /** Absolute number of the oldest line held. */
  get first(): number {
    return this.#first;
  }
  /** Absolute number one past the newest line. */
  get end(): number {
    return this.#end;
  }
  get size(): number {
    return this.#end - this.#first;
  }
  /** Lines evicted by the cap since the last clear. */
  get evicted(): number {
    return this.#evicted;
  }

  /** The small integer of a session name (assigned on first sight). */
  sessionCode(session: string): number {
    let code = this.#sessionCodes.get(session);
    if (code === undefined) {
      code = this.#sessionNames.length;
      this.#sessionNames.push(session);
      this.#sessionCodes.set(session, code);
    }
    return code;
  }

  /** The code of a session already seen, else undefined. */
  knownSessionCode(session: string): number | undefined {
    return this.#sessionCodes.get(session);
  }

  /** Appends lines (splitting multi-line texts); returns how many old rows were evicted. */
  append(lines: readonly ConsoleLine[]): number {
    for (const line of lines) {
      const text = line.text;
      const kind = kindCode(line.kind);
      const session = this.sessionCode(line.session);
      const time = line.timeMs;
      if (text.indexOf("\n") === -1 && text.indexOf("\r") === -1) {
        this.#push(text, kind, session, time);
      } else {
        const parts = text.replace(/\r\n?/g, "\n").split("\n");
        if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
        for (const part of parts) this.#push(part, kind, session, time);
      }
    }
    const over = this.size - this.cap;
    if (over > 0) {
      this.#drop(over);
      this.#evicted += over;
      return over;
    }
    return 0;
  }

  #push(text: string, kind: number, session: number, time: number): void {
    let chunk = this.#chunks[this.#chunks.length - 1];
    if (!chunk || chunk.length === CHUNK) {
      chunk = new Chunk(this.#end);
      this.#chunks.push(chunk);
    }
    const i = chunk.length++;
    chunk.texts.push(text);
    chunk.kinds[i] = kind;
    chunk.sessions[i] = session;
    chunk.times[i] = time;
    this.#end++;
  }

  #drop(count: number): void {
    this.#first += count;
    while (this.#chunks.length > 0) {
      const c = this.#chunks[0] as Chunk;
      if (c.base + c.length > this.#first) break;
      this.#chunks.shift();
    }
  }

  /** Forgets every line (numbering goes on). */
  clear(): void {
    this.#drop(this.size);
    this.#evicted = 0;
  }

  #chunkOf(index: number): Chunk {
    const c0 = this.#chunks[0] as Chunk;
    return this.#chunks[Math.floor((index - c0.base) / CHUNK)] as Chunk;
  }

  has(index: number): boolean {
    return index >= this.#first && index < this.#end;
  }

  kindCodeAt(index: number): number {
    const c = this.#chunkOf(index);
    return c.kinds[index - c.base] as number;
  }
  kindAt(index: number): LineKind {
    return kindOfCode(this.kindCodeAt(index));
  }
  sessionCodeAt(index: number): number {
    const c = this.#chunkOf(index);
    return c.sessions[index - c.base] as number;
  }
  sessionAt(index: number): string {
    return this.#sessionNames[this.sessionCodeAt(index)] ?? "app";
  }
  textAt(index: number): string {
    const c = this.#chunkOf(index);
    return c.texts[index - c.base] as string;
  }
  timeAt(index: number): number {
    const c = this.#chunkOf(index);
    return c.times[index - c.base] as number;
  }

  line(index: number): StoredLine {
    return {
      index,
      session: this.sessionAt(index),
      kind: this.kindAt(index),
      text: this.textAt(index),
      timeMs: this.timeAt(index),
    };
  }

  /** Typed-array columns of the chunk holding `index`, for fast scans. */
  columnsAt(index: number): { base: number; length: number; kinds: Uint8Array; sessions: Uint16Array; texts: string[] } {
    return this.#chunkOf(index);
  }

  /** Rough bytes held (typed columns plus text), for the benchmark. */
  approximateBytes(): number {
    let bytes = 0;
    for (const c of this.#chunks) {
      bytes += CHUNK * (1 + 2 + 8 + 8);
      for (const t of c.texts) bytes += 16 + t.length;
    }
    return bytes;
  }
}
