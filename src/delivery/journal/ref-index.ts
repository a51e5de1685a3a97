/**
 * Spool refs of one event kind, by enqueue index (the outbox's per-kind numbering that batches
 * cover as `lo .. lo + n - 1`). A `WeakMap` keyed by the event cost ~1 µs per `metric()`; this is
 * a write into the tail chunk (no lookup, no object per push). Chunks are freed once every index
 * in them was taken.
 *
 * A chunk whose refs follow one another (one kind appended alone, as during a long outage: refs
 * are the spool's consecutive sequence numbers) is stored as its first ref only; the first ref that
 * breaks the run gives the chunk a slot per index. So memory grows with breaks (metrics and
 * annotations interleaved, events the spool refused), not with the number of events pending.
 */
const CHUNK = 4096;

interface RefChunk {
  /** The ref of the chunk's first index; while `refs` is undefined, index `i` has `ref0 + i`. */
  ref0: number;
  refs: Float64Array | undefined;
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
      this.#tail = { ref0: ref, refs: undefined, taken: 0 };
      this.#chunks.set(this.#next / CHUNK, this.#tail);
      this.#slot = 0;
    }
    const tail = this.#tail!;
    if (tail.refs !== undefined) tail.refs[this.#slot] = ref;
    else if (this.#slot === 0) tail.ref0 = ref; // a chunk emptied again by `dropLast` starts over
    else if (ref !== tail.ref0 + this.#slot) tail.refs = materialise(tail.ref0, this.#slot, ref);
    this.#slot++;
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
      const ref = chunk.refs === undefined ? chunk.ref0 + (index % CHUNK) : chunk.refs[index % CHUNK]!;
      if (ref >= 0) into.push(ref);
      if (++chunk.taken === CHUNK) this.#chunks.delete(id);
    }
  }

  /** Per-index slots held (8 bytes each): zero while every chunk is one run of refs. */
  get slots(): number {
    let slots = 0;
    for (const chunk of this.#chunks.values()) if (chunk.refs !== undefined) slots += CHUNK;
    return slots;
  }
}

/** A run chunk's slots (`ref0`, `ref0 + 1`, ... for the first `length`), then `ref` after them. */
function materialise(ref0: number, length: number, ref: number): Float64Array {
  const refs = new Float64Array(CHUNK);
  for (let i = 0; i < length; i++) refs[i] = ref0 + i;
  refs[length] = ref;
  return refs;
}
