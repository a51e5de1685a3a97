/** Sinks for exporter tests that need delivery to stall or fail on command (no HTTP involved). */
import type { IngestResult } from "../../../src/api/contract.ts";
import type { Batch, DeliverySink } from "../../../src/delivery/delivery-types.ts";
import { SyvainError } from "../../../src/api/errors.ts";

/** Accepts batches only once `release()` is called (or at once when created `open`); records what it got. */
export class GatedSink implements DeliverySink {
  /** Every request as it starts, held or not. */
  readonly started: Batch[] = [];
  readonly delivered: Batch[] = [];
  #open: boolean;
  #waiting: (() => void)[] = [];

  constructor(options: { open?: boolean } = {}) {
    this.#open = options.open ?? false;
  }

  async deliver(batch: Batch): Promise<IngestResult> {
    this.started.push(batch);
    if (!this.#open) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.delivered.push(batch);
    return { accepted: batch.kind === "status" ? 1 : batch.items.length, duplicates: 0 };
  }

  /** Deliveries waiting for `release()`. */
  get stalled(): number {
    return this.#waiting.length;
  }

  /** Stalls later deliveries again until the next `release()`. */
  hold(): void {
    this.#open = false;
  }

  release(): void {
    this.#open = true;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }

  close(): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}

/** Fails every batch with a retryable 503-like error while `down`, else behaves as a `GatedSink`. */
export class UnavailableSink extends GatedSink {
  down = true;

  override deliver(batch: Batch): Promise<IngestResult> {
    if (this.down) return Promise.reject(new SyvainError("server", "HTTP 503: unavailable", { retryable: true }));
    return super.deliver(batch);
  }
}

/** Syvain that takes each request and never answers: a delivery waits until its deadline aborts it. */
export class SilentSink implements DeliverySink {
  requests = 0;

  deliver(_batch: Batch, signal?: AbortSignal): Promise<IngestResult> {
    this.requests++;
    return new Promise((_, reject) => {
      signal?.addEventListener("abort", () => reject(new SyvainError("timeout", "no answer before the deadline", { retryable: true })), { once: true });
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
