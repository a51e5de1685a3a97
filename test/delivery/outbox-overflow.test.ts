import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeliveryIncompleteError } from "../../src/delivery/delivery-errors.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import type { AnnotationEvent } from "../../src/api/contract.ts";
import { idsOf, metric, scriptedSink, unavailable } from "./scripted-sink.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const note = (id: string): AnnotationEvent => ({ client_event_id: id, text: id, timestamp: 1, metadata: {} });

describe("Outbox overflow", () => {
  it("evicts the oldest unsent items across kinds, counts them per kind and warns once per burst", async () => {
    const warnings: string[] = [];
    const sink = scriptedSink();
    const outbox = new Outbox({ sink, maxQueueItems: 4, onWarning: (m) => warnings.push(m), label: "run-1" });
    const m = [metric(), metric(), metric(), metric(), metric()];
    outbox.enqueueMetric(m[0]!);
    outbox.enqueueAnnotation(note("a1"));
    outbox.enqueueMetric(m[1]!);
    outbox.enqueueMetric(m[2]!);
    outbox.enqueueMetric(m[3]!); // evicts m0
    outbox.enqueueMetric(m[4]!); // evicts a1
    expect(outbox.stats().metrics).toMatchObject({ enqueued: 5, pending: 4, dropped: 1 });
    expect(outbox.stats().annotations).toMatchObject({ enqueued: 1, pending: 0, dropped: 1 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("run-1");
    await vi.advanceTimersByTimeAsync(250);
    expect(sink.calls.flatMap((c) => idsOf(c.batch))).toEqual(m.slice(1).map((e) => e.client_event_id));
    expect(outbox.stats().lastError?.code).toBe("queue_overflow");

    // A new burst after the queue drained warns again.
    for (let i = 0; i < 6; i++) outbox.enqueueMetric(metric());
    expect(warnings).toHaveLength(2);
  });

  it("never throws from enqueue, even when the warning handler throws", () => {
    const outbox = new Outbox({
      sink: scriptedSink(),
      maxQueueItems: 1,
      onWarning: () => {
        throw new Error("handler bug");
      },
    });
    expect(() => {
      outbox.enqueueMetric(metric());
      outbox.enqueueMetric(metric());
    }).not.toThrow();
    expect(outbox.stats().metrics).toMatchObject({ enqueued: 2, pending: 1, dropped: 1 });
  });

  it("never evicts items of a request in flight", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink, maxQueueItems: 3, maxBatchItems: 3, onWarning: () => undefined });
    const first = [metric(), metric(), metric()];
    for (const e of first) outbox.enqueueMetric(e);
    await vi.advanceTimersByTimeAsync(250);
    expect(sink.held()).toHaveLength(1);
    const late = [metric(), metric()];
    for (const e of late) outbox.enqueueMetric(e);
    // The bound is full of in-flight items: the newcomers are the oldest unsent ones.
    expect(outbox.stats().metrics).toMatchObject({ enqueued: 5, pending: 3, dropped: 2 });
    sink.held()[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.stats().metrics).toMatchObject({ accepted: 3, pending: 0, dropped: 2 });
  });

  it("during an outage evicts the oldest items waiting for a retry, and resends the rest under a new key", async () => {
    const sink = scriptedSink(() => unavailable());
    const outbox = new Outbox({ sink, maxQueueItems: 5, random: () => 0.999, onWarning: () => undefined });
    const old = Array.from({ length: 5 }, () => metric());
    for (const e of old) outbox.enqueueMetric(e);
    await vi.advanceTimersByTimeAsync(250);
    expect(sink.calls).toHaveLength(1);
    const fresh = [metric(), metric(), metric()];
    for (const e of fresh) outbox.enqueueMetric(e);
    expect(outbox.stats().metrics).toMatchObject({ enqueued: 8, pending: 5, dropped: 3 });
    sink.script = () => "accept";
    expect(await outbox.flush()).toMatchObject({ ok: false, droppedMetrics: 3, pendingMetrics: 0 });
    const resent = sink.calls.slice(1).flatMap((c) => idsOf(c.batch));
    expect(resent.sort()).toEqual([...old.slice(3), ...fresh].map((e) => e.client_event_id).sort());
    const retried = sink.calls.find((c) => c !== sink.calls[0] && idsOf(c.batch).includes(old[3]!.client_event_id))!;
    expect(retried.batch.idempotencyKey).not.toBe(sink.calls[0]!.batch.idempotencyKey);
  });

  it("keeps drop counts sticky: every later flushOrRaise fails", async () => {
    const sink = scriptedSink();
    const outbox = new Outbox({ sink, maxQueueItems: 2, onWarning: () => undefined });
    for (let i = 0; i < 3; i++) outbox.enqueueMetric(metric());
    const error = await outbox.flushOrRaise().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryIncompleteError);
    expect((error as DeliveryIncompleteError).status).toMatchObject({ ok: false, droppedMetrics: 1, pendingMetrics: 0 });
    outbox.enqueueMetric(metric());
    await expect(outbox.flushOrRaise()).rejects.toMatchObject({ code: "delivery_incomplete", status: { droppedMetrics: 1 } });
    expect(outbox.stats().metrics).toMatchObject({ enqueued: 4, accepted: 3, dropped: 1 });
  });
});
