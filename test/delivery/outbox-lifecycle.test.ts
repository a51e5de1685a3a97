import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { DeliveryIncompleteError } from "../../src/delivery/delivery-errors.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import type { FlushStatus } from "../../src/delivery/delivery-types.ts";
import { metric, scriptedSink, unavailable } from "./scripted-sink.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Outbox flush", () => {
  it("sends without waiting for the background timer, then syncs the sink", async () => {
    const sink = scriptedSink();
    const outbox = new Outbox({ sink, flushDelaySeconds: 60 });
    outbox.enqueueMetric(metric());
    outbox.enqueueStatus("done");
    const status = await outbox.flush();
    expect(sink.calls.map((c) => c.batch.kind)).toEqual(["metric", "status"]);
    expect(sink.syncs).toBe(1);
    expect(status).toEqual({
      ok: true,
      pendingMetrics: 0,
      pendingAnnotations: 0,
      pendingStatusUpdates: 0,
      failedMetrics: 0,
      failedAnnotations: 0,
      failedStatusUpdates: 0,
      droppedMetrics: 0,
      droppedAnnotations: 0,
      retryableFailures: 0,
      lastError: undefined,
    });
  });

  it("flushOrRaise throws DeliveryIncompleteError carrying the status and label", async () => {
    const sink = scriptedSink(() => unavailable(100));
    const outbox = new Outbox({ sink, label: 'experiment "run-7"', random: () => 0 });
    outbox.enqueueMetric(metric());
    outbox.enqueueMetric(metric());
    let callsDuringFlush = 0;
    const raised = outbox.flushOrRaise({ retries: 1 }).catch((e: unknown) => {
      callsDuringFlush = sink.calls.length;
      return e;
    });
    await vi.advanceTimersByTimeAsync(1000);
    const error = await raised;
    expect(error).toBeInstanceOf(DeliveryIncompleteError);
    const incomplete = error as DeliveryIncompleteError;
    expect(incomplete.status).toMatchObject({ ok: false, pendingMetrics: 2, retryableFailures: 2 });
    expect(incomplete.status.lastError?.code).toBe("server");
    expect(incomplete.message).toContain('experiment "run-7"');
    expect(incomplete.message).toContain("2 pending metrics");
    // The first attempt and one retry round (then the background takes over again).
    expect(callsDuringFlush).toBe(2);
  });

  it("flushOrRaise resolves with the status when everything was delivered", async () => {
    const outbox = new Outbox({ sink: scriptedSink() });
    outbox.enqueueMetric(metric());
    await expect(outbox.flushOrRaise()).resolves.toMatchObject({ ok: true });
  });

  it("serializes flushes: the second waits for the first, then does its own round", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink });
    outbox.enqueueMetric(metric());
    const first = outbox.flush();
    await vi.advanceTimersByTimeAsync(0);
    outbox.enqueueMetric(metric());
    const second = outbox.flush();
    let firstDone = false;
    void first.then(() => (firstDone = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toHaveLength(1);
    sink.script = () => "accept";
    sink.calls[0]!.resolve();
    const s1 = await first;
    expect(firstDone).toBe(true);
    // The first flush covered only what was enqueued before it.
    expect(s1.pendingMetrics).toBe(1);
    expect(await second).toMatchObject({ ok: true, pendingMetrics: 0 });
  });

  it("returns by its own timeout when it waits behind a flush that has none", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink });
    outbox.enqueueMetric(metric());
    const endless = outbox.flush();
    let bounded: FlushStatus | undefined;
    void outbox.flush({ timeoutSeconds: 1 }).then((status) => (bounded = status));
    await vi.advanceTimersByTimeAsync(1000);
    expect(bounded).toMatchObject({ ok: false, pendingMetrics: 1 });
    // The first flush is still waiting for its request, and ends when it settles.
    sink.held()[0]!.resolve();
    await expect(endless).resolves.toMatchObject({ ok: true });
  });

  it("waits for a timeout longer than the longest timer Node can set (24.8 days)", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink });
    outbox.enqueueMetric(metric());
    let status: FlushStatus | undefined;
    void outbox.flush({ timeoutSeconds: 30 * 86_400 }).then((s) => (status = s));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(status).toBeUndefined();
    sink.held()[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(status).toMatchObject({ ok: true });
  });

  it("rejects invalid flush arguments with a validation error naming the field", async () => {
    const outbox = new Outbox({ sink: scriptedSink() });
    const error = await outbox.flush({ retries: -1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect(error).toMatchObject({ field: "retries", value: -1, code: "invalid_argument" });
  });
});

describe("Outbox close", () => {
  it("flushes within the deadline, then closes the sink and stops", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink });
    outbox.enqueueMetric(metric());
    const closing = outbox.close({ timeoutSeconds: 2 });
    expect(outbox.isClosed).toBe(true);
    await vi.advanceTimersByTimeAsync(1999);
    expect(sink.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const status = await closing;
    expect(sink.closed).toBe(true);
    expect(status).toMatchObject({ ok: false, pendingMetrics: 1 });
    expect(outbox.close()).toBe(closing);
    // Nothing more is sent after close, even when the held request fails retryably.
    sink.held()[0]!.reject(unavailable());
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sink.calls).toHaveLength(1);
  });

  it("counts events enqueued after close as dropped with a shutdown error, never throwing", async () => {
    const sink = scriptedSink();
    const outbox = new Outbox({ sink });
    outbox.enqueueMetric(metric());
    expect(await outbox.close()).toMatchObject({ ok: true });
    expect(() => {
      outbox.enqueueMetric(metric());
      outbox.enqueueAnnotation({ client_event_id: "a", text: "t", timestamp: 1, metadata: {} });
      outbox.enqueueStatus("done");
    }).not.toThrow();
    const stats = outbox.stats();
    expect(stats.metrics).toMatchObject({ enqueued: 2, accepted: 1, dropped: 1 });
    expect(stats.annotations).toMatchObject({ enqueued: 1, dropped: 1 });
    expect(stats.statusUpdates).toMatchObject({ enqueued: 1, failed: 1 });
    expect(stats.lastError?.code).toBe("shutdown");
    await expect(outbox.flushOrRaise()).rejects.toMatchObject({ status: { droppedMetrics: 1, droppedAnnotations: 1, failedStatusUpdates: 1 } });
    expect(sink.calls).toHaveLength(1);
  });

  it("treats a negative timeout as an expired deadline and rejects a non-number without closing", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink });
    outbox.enqueueMetric(metric());
    await expect(outbox.close({ timeoutSeconds: Number.NaN })).rejects.toMatchObject({ field: "timeoutSeconds" });
    expect(outbox.isClosed).toBe(false);
    const closing = outbox.close({ timeoutSeconds: -5 });
    await vi.advanceTimersByTimeAsync(0);
    await expect(closing).resolves.toMatchObject({ ok: false, pendingMetrics: 1 });
    expect(sink.closed).toBe(true);
  });

  it("ends a flush sleeping between retry rounds when close gives up, leaving no timer behind", async () => {
    const sink = scriptedSink(() => unavailable());
    // random() = 1: the wait between rounds is at its cap (500 ms, 1 s, 2 s...).
    const outbox = new Outbox({ sink, random: () => 1 });
    outbox.enqueueMetric(metric());
    let flushed: FlushStatus | undefined;
    void outbox.flush({ retries: 10 }).then((status) => (flushed = status));
    await vi.advanceTimersByTimeAsync(100);
    expect(sink.calls).toHaveLength(1);
    const closing = outbox.close({ timeoutSeconds: 0 });
    await vi.advanceTimersByTimeAsync(0);
    await closing;
    expect(flushed).toMatchObject({ ok: false, pendingMetrics: 1 });
    // Nothing left to keep a process alive.
    expect(vi.getTimerCount()).toBe(0);
  });

  it("still delivers to a sink that answers at once (JSONL) when its deadline has already passed", async () => {
    const sink = scriptedSink();
    const outbox = new Outbox({ sink, flushDelaySeconds: 60 });
    outbox.enqueueMetric(metric());
    outbox.enqueueStatus("done");
    const closing = outbox.close({ timeoutSeconds: 0 });
    await vi.advanceTimersByTimeAsync(0);
    await expect(closing).resolves.toMatchObject({ ok: true });
    expect(outbox.stats().metrics).toMatchObject({ accepted: 1 });
  });

  it("retries until its deadline, then starts no background retry once its own flush is over (the sink would abandon it at once)", async () => {
    const sink = scriptedSink((_batch, index) => (index === 0 ? unavailable() : "hold"));
    // random() = 0: no backoff, so the failed batch is due again at once.
    const outbox = new Outbox({ sink, random: () => 0, flushDelaySeconds: 60 });
    outbox.enqueueMetric(metric());
    const closing = outbox.close({ timeoutSeconds: 10 });
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(closing).resolves.toMatchObject({ ok: false, pendingMetrics: 1 });
    // The first attempt failed, the close retried (it ended at once after one failure before), and
    // that retry was held until the deadline.
    expect(sink.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sink.calls).toHaveLength(2);
  });

  it("ends a flush that has no deadline when close gives up", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink });
    outbox.enqueueMetric(metric());
    const endless = outbox.flush();
    const closing = outbox.close({ timeoutSeconds: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(closing).resolves.toMatchObject({ pendingMetrics: 1 });
    await expect(endless).resolves.toMatchObject({ ok: false, pendingMetrics: 1 });
  });
});
