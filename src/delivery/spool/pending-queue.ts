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

/** The type slot of a record delivered before it was written (`forget`): it gets no bytes. Type 0 is never appended. */
export const DELIVERED = 0;

/** Records per pending array: its backing store (~24 KiB) stays in V8's young generation. */
export const PENDING_CHUNK_RECORDS = 1024;
const CHUNK_SLOTS = PENDING_CHUNK_RECORDS * PENDING_STRIDE;

/** A flat pending array: `[type0, payload0, envelope0, type1, ...]`. */
export type PendingItems = unknown[];

export class PendingQueue {
  /** `skipAckedTypes` by type byte: records `forget` may drop. */
  readonly #skippable: Uint8Array | undefined;
  #delivered = 0;
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

  constructor(skipAckedTypes: readonly number[] = []) {
    if (skipAckedTypes.length === 0) return;
    this.#skippable = new Uint8Array(256);
    for (const type of skipAckedTypes) this.#skippable[type] = 1;
  }

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

  /** Of `unwritten`, records delivered already (`forget`): they will get no bytes. */
  get delivered(): number {
    return this.#delivered;
  }

  /** The encoder passed `n` delivered records (they are no longer `unwritten`). */
  passedDelivered(n: number): void {
    this.#delivered -= n;
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

  /**
   * Record `seq` was delivered before the flusher reached it: if its type is one the owner named
   * (`skipAckedTypes`), its slots let go of the payload now and it becomes `DELIVERED`. False if
   * it is not waiting here (being written, or written) or not of those types.
   */
  forget(seq: number, nextSeq: number): boolean {
    if (this.#skippable === undefined) return false;
    const currentBase = nextSeq - this.#slots / PENDING_STRIDE;
    const fullBase = currentBase - this.#fullRecords;
    let items: PendingItems | undefined;
    let index: number;
    if (seq >= currentBase) {
      items = this.#items;
      index = seq - currentBase;
    } else if (seq >= fullBase) {
      items = this.#full[Math.floor((seq - fullBase) / PENDING_CHUNK_RECORDS)];
      index = (seq - fullBase) % PENDING_CHUNK_RECORDS;
    } else {
      // The batch: only records the flusher has not encoded yet (`batchIndex` on).
      index = seq - this.batchBaseSeq;
      items = index >= this.batchIndex && index < this.batchRecords ? this.batch : undefined;
    }
    const slot = index * PENDING_STRIDE;
    if (items === undefined || this.#skippable[items[slot] as number] !== 1) return false;
    items[slot] = DELIVERED;
    items[slot + 1] = items[slot + 2] = undefined;
    this.#delivered++;
    return true;
  }

  /** Everything unwritten, in order (the exit path). */
  rest(): PendingItems {
    return [...this.batch.slice(this.batchIndex * PENDING_STRIDE), ...this.#full.flat(), ...this.#items.slice(0, this.#slots)];
  }

  clear(): void {
    this.#delivered = 0;
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
