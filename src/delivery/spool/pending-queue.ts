/**
 * Records appended and not yet written: two parallel arrays (type, payload) that `append()` pushes
 * to, with no per-record object. The flusher takes the whole arrays at once (`batch`) and works
 * through them by index while new appends fill fresh arrays, so the two never contend.
 */
export class PendingQueue {
  types: number[] = [];
  payloads: unknown[] = [];
  /** Taken by the flusher; `batchIndex` is the first not yet written, `batchBaseSeq` the seq of `batchTypes[0]`. */
  batchTypes: number[] = [];
  batchPayloads: unknown[] = [];
  batchIndex = 0;
  batchBaseSeq = 1;

  get unwritten(): number {
    return this.types.length + this.batchTypes.length - this.batchIndex;
  }

  /** Moves the appended arrays into the batch once the batch is done; `nextSeq` numbers the next append. */
  refill(nextSeq: number): void {
    if (this.batchIndex < this.batchTypes.length) return;
    this.batchBaseSeq = nextSeq - this.types.length;
    this.batchTypes = this.types;
    this.batchPayloads = this.payloads;
    this.batchIndex = 0;
    this.types = [];
    this.payloads = [];
  }

  /** Everything unwritten, in order (the exit path). */
  rest(): { types: number[]; payloads: unknown[] } {
    return {
      types: [...this.batchTypes.slice(this.batchIndex), ...this.types],
      payloads: [...this.batchPayloads.slice(this.batchIndex), ...this.payloads],
    };
  }

  clear(): void {
    this.types = [];
    this.payloads = [];
    this.batchTypes = [];
    this.batchPayloads = [];
    this.batchIndex = 0;
  }
}
