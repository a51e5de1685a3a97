/**
 * Spool refs of one event kind, by enqueue index (the outbox's per-kind numbering that batches
 * cover as `lo .. lo + n - 1`). A `WeakMap` keyed by the event cost ~1 µs per `metric()`; this is
 * a typed-array write into the tail chunk (no lookup, no object per push). Chunks are freed once
 * every index in them was taken.
 */
const CHUNK = 4096;

interface RefChunk {
  refs: Float64Array;
  taken: number;
}

export class RefIndex {
  readonly #chunks = new Map<number, RefChunk>();
  /** The chunk `push` writes into, and the next index's slot in it. */
  #tail: RefChunk | undefined;
  #slot = CHUNK;
  #next = 0;

  /** Records the ref of the next index (`-1`: not spooled). */
  push(ref: number): void {
    if (this.#slot === CHUNK) {
      this.#tail = { refs: new Float64Array(CHUNK), taken: 0 };
      this.#chunks.set(this.#next / CHUNK, this.#tail);
      this.#slot = 0;
    }
    this.#tail!.refs[this.#slot++] = ref;
    this.#next++;
  }

  /** Forgets the last ref recorded: its event never got an index (the outbox could not keep it). */
  dropLast(): void {
    if (this.#next === 0) return;
    // The last push wrote the tail's previous slot: the next push takes that slot again.
    this.#next--;
    this.#slot--;
  }

  /** The refs of indices `lo .. lo + n - 1` (each taken once), skipping those never spooled. */
  take(lo: number, n: number, into: number[]): void {
    for (let index = lo; index < lo + n; index++) {
      const id = Math.floor(index / CHUNK);
      const chunk = this.#chunks.get(id);
      if (chunk === undefined) continue;
      const ref = chunk.refs[index % CHUNK]!;
      if (ref >= 0) into.push(ref);
      if (++chunk.taken === CHUNK) this.#chunks.delete(id);
    }
  }
}
