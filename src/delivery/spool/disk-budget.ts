/**
 * How many more records `append()` may accept before the spool counts as full (`maxBytes`).
 *
 * Records wait in memory, unserialised, until the flusher writes them (that keeps `append()` free
 * of serialisation), so their size is unknown when they are appended. Comparing only the bytes
 * written let a burst of appends between two writes take the spool far past its bound (1.6 MB for
 * 1 MiB, found by an outside review). So the chunk being written and the records waiting for the
 * flusher count too, each waiting record as the largest record of the last chunk written plus
 * `GROWTH_MARGIN` (`INITIAL_RECORD_BYTES` before the first write):
 *
 *   bytes on disk + bytes being written + records waiting x (largest recent record + margin) <= maxBytes
 *
 * The margin covers records that grow a little as a run goes on (a step number gaining a digit):
 * sizing by the last chunk alone overshot a 1 MiB bound by 1.2 % in the offline test. What reaches
 * the disk exceeds `maxBytes` only when waiting records are larger than that estimate, by the
 * difference, plus the 32-byte header of a segment started meanwhile: with records of similar size
 * (one program's events) by less than one record. Near the bound the estimate leaves at most about
 * one large record's worth unused, refusals start there.
 *
 * The hot path pays one decrement and one comparison of the spool's count of appends left, which
 * the flusher recomputes after each write, and `append()` only once it runs out (space may have
 * been freed meanwhile).
 */

/** Waiting records are counted this much larger than the largest recent one (1/8). */
export const GROWTH_MARGIN = 1 / 8;

/** Assumed size of a record before any was written: high, so a first burst stays well within the bound. */
export const INITIAL_RECORD_BYTES = 1024;

export class DiskBudget {
  readonly #maxBytes: number;
  /** What a waiting record is counted as: the largest record of the last chunk written, plus the margin. */
  #recordBytes = INITIAL_RECORD_BYTES;
  /** On disk and being written (the chunk in flight). */
  readonly #bytes: () => number;
  /** Records appended, not yet written. */
  readonly #waiting: () => number;

  constructor(maxBytes: number, bytes: () => number, waiting: () => number) {
    this.#maxBytes = maxBytes;
    this.#bytes = bytes;
    this.#waiting = waiting;
  }

  /** The flusher wrote a chunk whose largest record took `largestRecord` bytes (header included). */
  wrote(largestRecord: number): void {
    if (largestRecord > 0) this.#recordBytes = largestRecord * (1 + GROWTH_MARGIN);
  }

  /** Appends that fit now (<= 0: the spool is full). */
  appendsLeft(): number {
    const room = this.#maxBytes - this.#bytes();
    const waiting = this.#waiting();
    // Nothing waits, and the estimate (the last chunk's largest record: one large record, say) is more
    // than the room left. Only a write lowers it, and a refusal lets nothing be written: the spool
    // refused for good while its disk had room (found by an outside review). Start again from the
    // initial size; the next write sets it from real records.
    if (waiting === 0 && room < this.#recordBytes && this.#recordBytes > INITIAL_RECORD_BYTES) this.#recordBytes = INITIAL_RECORD_BYTES;
    return Math.floor(room / this.#recordBytes) - waiting;
  }
}
