/**
 * Records appended and not yet written, in one flat array with three slots per record (type,
 * payload, envelope or undefined): `append()` is a single push of three values, no per-record
 * object. The flusher takes the whole array at once (`refill`) and works through it by record index
 * while new appends fill a fresh array, so the two never contend.
 */
import type { JsonEnvelope } from "./json-envelope.ts";

/** Slots per record in a pending array: type, payload, envelope. */
export const PENDING_STRIDE = 3;

/** A flat pending array: `[type0, payload0, envelope0, type1, ...]`. */
export type PendingItems = unknown[];

export class PendingQueue {
  items: PendingItems = [];
  /** Taken by the flusher; `batchIndex` is the first record not yet written, `batchBaseSeq` the seq of record 0. */
  batch: PendingItems = [];
  batchIndex = 0;
  batchBaseSeq = 1;

  push(type: number, payload: unknown, envelope: JsonEnvelope | undefined): number {
    this.items.push(type, payload, envelope);
    return this.items.length / PENDING_STRIDE;
  }

  get batchRecords(): number {
    return this.batch.length / PENDING_STRIDE;
  }

  get unwritten(): number {
    return (this.items.length + this.batch.length) / PENDING_STRIDE - this.batchIndex;
  }

  /** Moves the appended array into the batch once the batch is done; `nextSeq` numbers the next append. */
  refill(nextSeq: number): void {
    if (this.batchIndex < this.batchRecords) return;
    this.batchBaseSeq = nextSeq - this.items.length / PENDING_STRIDE;
    this.batch = this.items;
    this.batchIndex = 0;
    this.items = [];
  }

  /** Everything unwritten, in order (the exit path). */
  rest(): PendingItems {
    return [...this.batch.slice(this.batchIndex * PENDING_STRIDE), ...this.items];
  }

  clear(): void {
    this.items = [];
    this.batch = [];
    this.batchIndex = 0;
  }
}
