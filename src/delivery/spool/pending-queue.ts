/**
 * Records appended and not yet written, in flat arrays with three slots per record (type, payload,
 * envelope or undefined): `append()` is a single push of three values, no per-record object.
 *
 * Appends fill an array of at most `PENDING_CHUNK_RECORDS` records, then start a fresh one. One big
 * array would reach V8's large-object space (old generation) after a few thousand records, and every
 * store of a freshly made event into an old array pays the write barrier's remembered-set insert:
 * measured at a third of `metric()`'s cost with 20k records pending. Small arrays stay young.
 *
 * The flusher takes one whole array at a time (`refill`) and works through it by record index while
 * appends fill another, so the two never contend.
 */
import type { JsonEnvelope } from "./json-envelope.ts";

/** Slots per record in a pending array: type, payload, envelope. */
export const PENDING_STRIDE = 3;

/** Records per pending array: its backing store (~24 KiB) stays in V8's young generation. */
export const PENDING_CHUNK_RECORDS = 1024;
const CHUNK_SLOTS = PENDING_CHUNK_RECORDS * PENDING_STRIDE;

/** A flat pending array: `[type0, payload0, envelope0, type1, ...]`. */
export type PendingItems = unknown[];

export class PendingQueue {
  /** The array appends fill (preallocated: indexed stores cost less than a three-value `push`), and its slots in use. */
  #items: PendingItems = newChunk();
  #slots = 0;
  /** Filled arrays waiting for the flusher, oldest first, and how many records they hold. */
  #full: PendingItems[] = [];
  #fullRecords = 0;
  /** Taken by the flusher; `batchIndex` is the first record not yet written, `batchBaseSeq` the seq of record 0. */
  batch: PendingItems = [];
  batchIndex = 0;
  batchBaseSeq = 1;

  /** Returns the records appended since the flusher last took an array (for the caller's "flush now" mark). */
  push(type: number, payload: unknown, envelope: JsonEnvelope | undefined): number {
    const items = this.#items;
    const slot = this.#slots;
    items[slot] = type;
    items[slot + 1] = payload;
    items[slot + 2] = envelope;
    if ((this.#slots = slot + PENDING_STRIDE) === CHUNK_SLOTS) {
      this.#full.push(items);
      this.#fullRecords += PENDING_CHUNK_RECORDS;
      this.#items = newChunk();
      this.#slots = 0;
      return this.#fullRecords;
    }
    return this.#fullRecords + this.#slots / PENDING_STRIDE;
  }

  get batchRecords(): number {
    return this.batch.length / PENDING_STRIDE;
  }

  get unwritten(): number {
    return this.#fullRecords + (this.#slots + this.batch.length) / PENDING_STRIDE - this.batchIndex;
  }

  /** Moves the oldest waiting array into the batch once the batch is done; `nextSeq` numbers the next append. */
  refill(nextSeq: number): void {
    if (this.batchIndex < this.batchRecords) return;
    const next = this.#full.shift();
    if (next === undefined) {
      // The batch's length is its records' (the encoder reads it); trimming a fresh array is cheap.
      this.batch = this.#items;
      this.batch.length = this.#slots;
      this.#items = newChunk();
      this.#slots = 0;
    } else {
      this.batch = next;
      this.#fullRecords -= PENDING_CHUNK_RECORDS;
    }
    // Records after the batch: the waiting arrays and the one appends fill.
    this.batchBaseSeq = nextSeq - this.#fullRecords - this.#slots / PENDING_STRIDE - this.batchRecords;
    this.batchIndex = 0;
  }

  /** Everything unwritten, in order (the exit path). */
  rest(): PendingItems {
    return [...this.batch.slice(this.batchIndex * PENDING_STRIDE), ...this.#full.flat(), ...this.#items.slice(0, this.#slots)];
  }

  clear(): void {
    this.#items = newChunk();
    this.#slots = 0;
    this.#full = [];
    this.#fullRecords = 0;
    this.batch = [];
    this.batchIndex = 0;
  }
}

function newChunk(): PendingItems {
  return new Array<unknown>(CHUNK_SLOTS);
}
