/**
 * Spool refs of one event kind, by enqueue index (the outbox's per-kind numbering that batches
 * cover as `lo .. lo + n - 1`). A `WeakMap` keyed by the event cost ~1 µs per `metric()`; this is
 * an array write. Chunks are freed once every index in them was taken.
 */
const CHUNK = 4096;

export class RefIndex {
  readonly #chunks = new Map<number, { refs: Float64Array; taken: number }>();
  #next = 0;

  /** Records the ref of the next index (`-1`: not spooled). */
  push(ref: number): void {
    const id = Math.floor(this.#next / CHUNK);
    let chunk = this.#chunks.get(id);
    if (chunk === undefined) this.#chunks.set(id, (chunk = { refs: new Float64Array(CHUNK), taken: 0 }));
    chunk.refs[this.#next++ % CHUNK] = ref;
  }

  /** Forgets the last ref recorded: its event never got an index (the outbox could not keep it). */
  dropLast(): void {
    if (this.#next > 0) this.#next--;
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
