/**
 * A flush deadline aborts the requests it covers that are still in flight (issue 10, item 2): the
 * sink sees its signal fire, the items stay pending (a retryable failure), and the background
 * starts nothing new straight away.
 */
import { describe, expect, it } from "vitest";
import type { IngestResult } from "../../src/api/contract.ts";
import { SyvainError } from "../../src/api/errors.ts";
import type { Batch, DeliverySink } from "../../src/delivery/delivery-types.ts";
import { Outbox } from "../../src/delivery/outbox.ts";

/** Never answers; rejects retryably when its signal aborts, as the REST sink does. */
class HangingSink implements DeliverySink {
  started = 0;
  aborted = 0;
  deliver(_batch: Batch, signal?: AbortSignal): Promise<IngestResult> {
    this.started++;
    return new Promise((_resolve, reject) => {
      signal?.addEventListener("abort", () => {
        this.aborted++;
        reject(new SyvainError("timeout", "abandoned at the flush deadline", { retryable: true }));
      });
    });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe("a flush deadline with requests in flight", () => {
  it("aborts them; the items stay pending; no new request starts at once", async () => {
    const sink = new HangingSink();
    const outbox = new Outbox({ sink, flushDelaySeconds: 60, maxBatchItems: 2, maxConcurrentRequests: 1 });
    for (let step = 0; step < 6; step++) outbox.enqueueMetric({ client_event_id: `e${step}`, name: "loss", value: 1, step, timestamp: 0, metadata: {} });
    const status = await outbox.flush({ timeoutSeconds: 0.05 });
    expect(sink.started).toBe(1);
    expect(status.ok).toBe(false);
    // The abort settles on a later tick; give it one turn of the loop.
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.aborted).toBe(1);
    expect(outbox.stats().metrics).toMatchObject({ pending: 6, failed: 0 });
    // Held back: the two batches still queued are not sent into the same silence right away.
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.started).toBe(1);
    await outbox.close({ timeoutSeconds: 0 });
  });
});
