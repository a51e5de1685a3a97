/**
 * One memory budget for the whole bridge. Per-request limits alone let N concurrent requests use
 * N times the limit (20 gzip requests of 63 MiB once decompressed took a bridge to 1.8 GB of RSS);
 * here every request reserves what it holds as it grows — bytes received, bytes decompressed, the
 * decoded objects' estimated size — against one total that also counts the events already queued
 * for delivery. What does not fit is refused at once (503 + Retry-After: the sender retries later)
 * instead of being allocated.
 */

/** Heap bytes one queued event takes in an outbox, rounded up from the outbox memory bench (≤ 250). */
export const BYTES_PER_QUEUED_EVENT = 256;

/**
 * Memory the decoding of a request takes per byte of decompressed body: growth of the peak RSS
 * while decoding dense gauge points, rounded up (protobuf 6.7: ~43 bytes a point on the wire,
 * ~290 decoded; JSON 10–13: ~100 bytes a point, parsed then converted). Garbage included, since
 * the process's RSS, not the live heap, is what a container limit sees.
 */
export const DECODED_BYTES_PER_BODY_BYTE = { protobuf: 8, json: 12 } as const;

/** How long the queued-events estimate is reused: reading it walks every experiment's stats. */
const QUEUED_ESTIMATE_TTL_MS = 50;

export class MemoryBudget {
  readonly maxBytes: number;
  readonly #queuedEvents: () => number;
  #reserved = 0;
  #queuedBytes = 0;
  #queuedAt = -Infinity;

  /** `queuedEvents`: events waiting for delivery in memory right now, over every experiment (not those spilled to disk). */
  constructor(maxBytes: number, queuedEvents: () => number) {
    this.maxBytes = maxBytes;
    this.#queuedEvents = queuedEvents;
  }

  /** Bytes reserved by requests in flight. */
  get reservedBytes(): number {
    return this.#reserved;
  }

  /** Bytes in use by the estimate: reservations plus queued events. */
  usedBytes(): number {
    const now = performance.now();
    if (now - this.#queuedAt > QUEUED_ESTIMATE_TTL_MS) {
      this.#queuedBytes = this.#queuedEvents() * BYTES_PER_QUEUED_EVENT;
      this.#queuedAt = now;
    }
    return this.#reserved + this.#queuedBytes;
  }

  /** A reservation of nothing yet, for one request; it grows as the request does. */
  open(): Reservation {
    return new Reservation(this);
  }

  /** @internal Used by `Reservation`. */
  take(bytes: number): boolean {
    if (bytes > 0 && this.usedBytes() + bytes > this.maxBytes) return false;
    this.#reserved += bytes;
    return true;
  }

  /** @internal Used by `Reservation`. */
  give(bytes: number): void {
    this.#reserved -= bytes;
  }
}

/** What one request holds of the budget; `release()` when the request is answered. */
export class Reservation {
  readonly #budget: MemoryBudget;
  #bytes = 0;

  constructor(budget: MemoryBudget) {
    this.#budget = budget;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Adds `bytes` if the budget has room; false (nothing taken) otherwise. */
  grow(bytes: number): boolean {
    if (!this.#budget.take(bytes)) return false;
    this.#bytes += bytes;
    return true;
  }

  /** Gives back `bytes` (e.g. a compressed body once decompressed and dropped). */
  shrink(bytes: number): void {
    const given = Math.min(bytes, this.#bytes);
    this.#budget.give(given);
    this.#bytes -= given;
  }

  release(): void {
    this.shrink(this.#bytes);
  }
}

/** The budget is full for now: the request is refused with 503 + Retry-After, nothing of it kept. */
export class BudgetExhausted extends Error {
  constructor(what: string, budget: MemoryBudget) {
    super(`the bridge's memory budget (${budget.maxBytes} bytes, --max-memory-bytes) has no room for ${what} now; retry later`);
    this.name = "BudgetExhausted";
  }
}
