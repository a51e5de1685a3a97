import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Outbox } from "../../src/delivery/outbox.ts";
import { idsOf, invalid, metric, scriptedSink, unavailable } from "./scripted-sink.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Outbox background sending", () => {
  it("sends nothing until flushDelaySeconds has passed, then everything queued", async () => {
    const sink = scriptedSink();
    const outbox = new Outbox({ sink, flushDelaySeconds: 0.5 });
    const events = [metric(), metric(), metric()];
    for (const e of events) outbox.enqueueMetric(e);
    await vi.advanceTimersByTimeAsync(499);
    expect(sink.calls).toHaveLength(0);
    expect(outbox.stats().metrics.pending).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls).toHaveLength(1);
    expect(sink.calls[0]!.batch.kind).toBe("metric");
    expect(idsOf(sink.calls[0]!.batch)).toEqual(events.map((e) => e.client_event_id));
    // Items are handed over as given: same objects, nothing re-stamped.
    expect(sink.calls[0]!.batch.kind === "metric" && sink.calls[0]!.batch.items[0]).toBe(events[0]);
    expect(outbox.stats().metrics).toMatchObject({ enqueued: 3, accepted: 3, pending: 0 });
  });

  it("splits the queue into batches of maxBatchItems, one kind each, oldest first", async () => {
    const sink = scriptedSink();
    const outbox = new Outbox({ sink, maxBatchItems: 10 });
    const events = Array.from({ length: 35 }, () => metric());
    for (const e of events.slice(0, 20)) outbox.enqueueMetric(e);
    outbox.enqueueAnnotation({ client_event_id: "a1", text: "note", timestamp: 1, metadata: {} });
    for (const e of events.slice(20)) outbox.enqueueMetric(e);
    await vi.advanceTimersByTimeAsync(250);
    const metricBatches = sink.calls.filter((c) => c.batch.kind === "metric").map((c) => idsOf(c.batch));
    expect(metricBatches.map((b) => b.length)).toEqual([10, 10, 10, 5]);
    expect(metricBatches.flat()).toEqual(events.map((e) => e.client_event_id));
    expect(sink.calls.filter((c) => c.batch.kind === "annotation").map((c) => idsOf(c.batch))).toEqual([["a1"]]);
    const keys = new Set(sink.calls.map((c) => c.batch.idempotencyKey));
    expect(keys.size).toBe(sink.calls.length);
  });

  it("keeps at most maxConcurrentRequests requests in flight and refills as they complete", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink, maxBatchItems: 5, maxConcurrentRequests: 3 });
    for (let i = 0; i < 30; i++) outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(250);
    expect(sink.held()).toHaveLength(3);
    sink.held()[1]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.held()).toHaveLength(3);
    expect(sink.calls).toHaveLength(4);
    sink.script = () => "accept";
    for (const call of sink.held()) call.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toHaveLength(6);
    expect(outbox.stats().metrics).toMatchObject({ accepted: 30, pending: 0 });
  });

  it("sends full batches right after the enqueuing code returns (never inside enqueue), and the partial rest after the delay", async () => {
    const sink = scriptedSink();
    const outbox = new Outbox({ sink, maxBatchItems: 4, flushDelaySeconds: 10 });
    const events = Array.from({ length: 10 }, () => metric());
    for (const e of events) outbox.enqueueMetric(e);
    expect(sink.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls.map((c) => idsOf(c.batch))).toEqual([events.slice(0, 4), events.slice(4, 8)].map((b) => b.map((e) => e.client_event_id)));
    expect(outbox.stats().metrics).toMatchObject({ accepted: 8, pending: 2 });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(sink.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls.map((c) => idsOf(c.batch).length)).toEqual([4, 4, 2]);
  });

  it("keeps a full batch queued while every request slot is taken, and sends it when one frees", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink, maxBatchItems: 2, maxConcurrentRequests: 1, flushDelaySeconds: 10 });
    for (let i = 0; i < 4; i++) outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toHaveLength(1);
    outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toHaveLength(1);
    sink.held()[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls.map((c) => idsOf(c.batch).length)).toEqual([2, 2]);
    expect(outbox.stats().metrics).toMatchObject({ accepted: 2, pending: 3 });
  });

  it("re-arms the background timer for events enqueued after a drain", async () => {
    const sink = scriptedSink();
    const outbox = new Outbox({ sink });
    outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(250);
    outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(249);
    expect(sink.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls).toHaveLength(2);
  });

  it("counts duplicates reported by the sink as accepted", async () => {
    const sink = scriptedSink(() => ({ duplicates: 2 }));
    const outbox = new Outbox({ sink });
    for (let i = 0; i < 5; i++) outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(250);
    expect(outbox.stats().metrics).toMatchObject({ enqueued: 5, accepted: 5, duplicates: 2, pending: 0 });
  });
});

describe("Outbox status updates", () => {
  it("sends a status only after every event enqueued before it is settled, without holding later events", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink, maxBatchItems: 3 });
    const before = [metric(), metric(), metric()];
    for (const e of before) outbox.enqueueMetric(e);
    outbox.enqueueStatus("running");
    const after = [metric(), metric()];
    for (const e of after) outbox.enqueueMetric(e);
    await vi.advanceTimersByTimeAsync(250);
    // Both event batches are in flight; the status waits for the first.
    expect(sink.calls.map((c) => c.batch.kind)).toEqual(["metric", "metric"]);
    expect(idsOf(sink.calls[1]!.batch)).toEqual(after.map((e) => e.client_event_id));
    sink.calls[1]!.resolve();
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.calls).toHaveLength(2);
    sink.calls[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls[2]!.batch).toMatchObject({ kind: "status", status: "running" });
  });

  it("never lets a later status overtake an earlier one, even when the earlier one is retried", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink, random: () => 0 });
    outbox.enqueueStatus("running");
    outbox.enqueueStatus("done");
    await vi.advanceTimersByTimeAsync(250);
    expect(sink.calls.map((c) => idsOf(c.batch))).toEqual([["running"]]);
    sink.calls[0]!.reject(unavailable());
    await vi.advanceTimersByTimeAsync(0);
    const next = sink.calls[1]!;
    expect(idsOf(next.batch)).toEqual(["running"]);
    expect(next.batch.idempotencyKey).toBe(sink.calls[0]!.batch.idempotencyKey);
    next.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(idsOf(sink.calls[2]!.batch)).toEqual(["done"]);
    sink.calls[2]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.stats().statusUpdates).toMatchObject({ enqueued: 2, accepted: 2, pending: 0 });
  });

  it("sends a status once earlier events failed permanently", async () => {
    const sink = scriptedSink((batch) => (batch.kind === "metric" ? invalid() : "accept"));
    const outbox = new Outbox({ sink });
    outbox.enqueueMetric(metric());
    outbox.enqueueStatus("failed");
    await vi.advanceTimersByTimeAsync(250);
    expect(sink.calls.map((c) => c.batch.kind)).toEqual(["metric", "status"]);
    expect(outbox.stats()).toMatchObject({ metrics: { failed: 1 }, statusUpdates: { accepted: 1 } });
  });
});
