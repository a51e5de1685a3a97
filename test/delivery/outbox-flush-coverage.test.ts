/**
 * `flushCovered()`: a flush judged on the events enqueued before it. `flush()` counts every pending
 * event of the outbox, so events queued while it ran made a complete flush read "incomplete" (the
 * OTel pair warned "2 pending" when a job kept logging during meterProvider.shutdown()).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AnnotationEvent } from "../../src/api/contract.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { metric, scriptedSink } from "./scripted-sink.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const annotation = (text: string): AnnotationEvent => ({ client_event_id: `note-${text}`, text, timestamp: 1_700_000_000_000, metadata: {} });

/** Background sends only after a long delay: what reaches the sink here, the flush sent. */
const quietOutbox = (sink: ReturnType<typeof scriptedSink>) => new Outbox({ sink, flushDelaySeconds: 60, onWarning: () => undefined });

describe("Outbox.flushCovered()", () => {
  it("reports ok when everything enqueued before it is delivered, with events enqueued during it still pending", async () => {
    for (const flavour of ["flushCovered", "flush"] as const) {
      const sink = scriptedSink((_batch, index) => (index === 0 ? "hold" : "accept"));
      const outbox = quietOutbox(sink);
      for (let step = 0; step < 3; step++) outbox.enqueueMetric(metric("loss", step));
      const flushing = outbox[flavour]({ timeoutSeconds: 5 });
      await vi.advanceTimersByTimeAsync(0);
      expect(sink.held()).toHaveLength(1); // the flush's batch: the 3 events, in flight
      for (let step = 3; step < 5; step++) outbox.enqueueMetric(metric("loss", step));
      sink.held()[0]!.resolve();
      const status = await flushing;
      expect(outbox.stats().metrics).toMatchObject({ enqueued: 5, accepted: 3, pending: 2 });
      // flush() keeps the whole outbox's counts (the facade's FlushStatus); flushCovered() does not.
      if (flavour === "flush") expect(status).toMatchObject({ ok: false, pendingMetrics: 2 });
      else expect(status).toMatchObject({ ok: true, pendingMetrics: 0 });
      await outbox.close({ timeoutSeconds: 1 });
    }
  });

  it("counts the covered part of a batch that also holds later events, when the deadline cuts it short", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = quietOutbox(sink);
    for (let step = 0; step < 3; step++) outbox.enqueueMetric(metric("loss", step));
    const flushing = outbox.flushCovered({ timeoutSeconds: 1 });
    // Queued before the flush takes its batch: sent in the same batch, but not the flush's debt.
    for (let step = 3; step < 5; step++) outbox.enqueueMetric(metric("loss", step));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.held().map((call) => (call.batch.kind === "metric" ? call.batch.items.length : 0))).toEqual([5]);
    await vi.advanceTimersByTimeAsync(1000);
    const status = await flushing;
    expect(status).toMatchObject({ ok: false, pendingMetrics: 3, failedMetrics: 0, droppedMetrics: 0 });
    expect(outbox.stats().metrics.pending).toBe(5);
  });

  it("counts covered annotations and status updates the same way", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = quietOutbox(sink);
    outbox.enqueueAnnotation(annotation("a"));
    outbox.enqueueStatus("running");
    const flushing = outbox.flushCovered({ timeoutSeconds: 1 });
    outbox.enqueueAnnotation(annotation("b"));
    outbox.enqueueStatus("done");
    await vi.advanceTimersByTimeAsync(1000);
    expect(await flushing).toMatchObject({ ok: false, pendingAnnotations: 1, pendingStatusUpdates: 1 });
  });
});
