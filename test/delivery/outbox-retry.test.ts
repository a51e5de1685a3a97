import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Outbox } from "../../src/delivery/outbox.ts";
import type { Batch } from "../../src/delivery/delivery-types.ts";
import { idsOf, invalid, metric, scriptedSink, tooLarge, unavailable } from "./scripted-sink.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const size = (b: Batch): number => (b.kind === "status" ? 1 : b.items.length);

describe("Outbox retries", () => {
  it("splits a batch answered 413 in halves with new keys, down to single items", async () => {
    const big = metric("big");
    // Batches of more than 2 items are too large; the item named "big" is too large alone.
    const sink = scriptedSink((b) => (size(b) > 2 || idsOf(b).includes(big.client_event_id) ? tooLarge() : "accept"));
    const outbox = new Outbox({ sink });
    const events = [metric(), metric(), big, metric(), metric()];
    for (const e of events) outbox.enqueueMetric(e);
    const status = await outbox.flush();
    const accepted = sink.calls.filter((c) => c.settled && size(c.batch) <= 2 && !idsOf(c.batch).includes(big.client_event_id));
    expect(accepted.flatMap((c) => idsOf(c.batch)).sort()).toEqual(events.filter((e) => e !== big).map((e) => e.client_event_id).sort());
    expect(new Set(sink.calls.map((c) => c.batch.idempotencyKey)).size).toBe(sink.calls.length);
    expect(status).toMatchObject({ ok: false, failedMetrics: 1, pendingMetrics: 0 });
    expect(status.lastError?.code).toBe("payload_too_large");
    expect(outbox.stats().metrics).toMatchObject({ accepted: 4, failed: 1 });
  });

  it("retries with backoff, reusing the key, and never before Retry-After", async () => {
    const answers = [unavailable(3000), unavailable(), "accept" as const];
    const sink = scriptedSink((_b, i) => answers[i] ?? "accept");
    // random() = 0.999: backoff close to its cap (500 ms for the first retry, 1000 for the second).
    const outbox = new Outbox({ sink, random: () => 0.999 });
    outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(250);
    expect(sink.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2999);
    expect(sink.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls).toHaveLength(2);
    expect(sink.calls[1]!.at - sink.calls[0]!.at).toBe(3000);
    // The second failure has no Retry-After: jittered backoff of the second retry (cap 1000 ms).
    await vi.advanceTimersByTimeAsync(998);
    expect(sink.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls).toHaveLength(3);
    expect(new Set(sink.calls.map((c) => c.batch.idempotencyKey)).size).toBe(1);
    expect(outbox.stats().metrics).toMatchObject({ accepted: 1, pending: 0, failed: 0 });
  });

  it("moves items to failed after maxRetries background retries, keeping the error", async () => {
    const sink = scriptedSink(() => unavailable());
    const outbox = new Outbox({ sink, maxRetries: 2, random: () => 0 });
    for (let i = 0; i < 3; i++) outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sink.calls).toHaveLength(3);
    expect(outbox.stats().metrics).toMatchObject({ pending: 0, failed: 3 });
    expect(outbox.stats().lastError?.code).toBe("server");
  });

  it("fails permanent errors at once", async () => {
    const sink = scriptedSink(() => invalid());
    const outbox = new Outbox({ sink });
    outbox.enqueueMetric(metric());
    const status = await outbox.flush({ retries: 3 });
    expect(sink.calls).toHaveLength(1);
    expect(status).toMatchObject({ ok: false, failedMetrics: 1, retryableFailures: 0 });
    expect(status.lastError?.code).toBe("validation");
  });

  it("retries for ever with maxRetries null", async () => {
    let calls = 0;
    const sink = scriptedSink(() => (++calls < 30 ? unavailable() : "accept"));
    const outbox = new Outbox({ sink, random: () => 1 });
    outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(30 * 30_000);
    expect(calls).toBe(30);
    expect(outbox.stats().metrics).toMatchObject({ accepted: 1, failed: 0 });
  });
});

describe("Outbox flush budgets", () => {
  it("flush retries are their own budget: they neither spend nor are limited by maxRetries", async () => {
    const sink = scriptedSink(() => unavailable());
    const outbox = new Outbox({ sink, maxRetries: 1, random: () => 0.5 });
    outbox.enqueueMetric(metric());
    // One background attempt fails: 1 of the 2 background attempts maxRetries 1 allows.
    await vi.advanceTimersByTimeAsync(250);
    expect(sink.calls).toHaveLength(1);
    let settled = false;
    const flushing = outbox.flush({ retries: 3 }).finally(() => (settled = true));
    while (!settled) await vi.advanceTimersByTimeAsync(10);
    const status = await flushing;
    // 1 + 3 flush rounds, and the background did not retry meanwhile: still pending, not failed.
    expect(sink.calls).toHaveLength(5);
    expect(status).toMatchObject({ ok: false, pendingMetrics: 1, failedMetrics: 0, retryableFailures: 4 });
    // The background budget is intact: exactly one more background failure moves it to failed.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sink.calls).toHaveLength(6);
    expect(outbox.stats().metrics).toMatchObject({ pending: 0, failed: 1 });
    expect(new Set(sink.calls.map((c) => c.batch.idempotencyKey)).size).toBe(1);
  });

  it("flush attempts leave the whole background budget to the background", async () => {
    const sink = scriptedSink(() => unavailable());
    const outbox = new Outbox({ sink, maxRetries: 2, random: () => 0.5 });
    outbox.enqueueMetric(metric());
    let settled = false;
    const flushing = outbox.flush({ retries: 2 }).finally(() => (settled = true));
    while (!settled) await vi.advanceTimersByTimeAsync(10);
    expect(await flushing).toMatchObject({ pendingMetrics: 1, retryableFailures: 3 });
    expect(sink.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(60_000);
    // 1 background attempt + maxRetries 2, all after the flush's 3.
    expect(sink.calls).toHaveLength(6);
    expect(outbox.stats().metrics).toMatchObject({ pending: 0, failed: 1 });
  });

  it("a flush waits for in-flight requests, then resends what failed, ignoring background backoff", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink, random: () => 0.999 });
    outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(250);
    const flushing = outbox.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toHaveLength(1);
    sink.script = () => "accept";
    sink.calls[0]!.reject(unavailable());
    const status = await flushing;
    expect(sink.calls).toHaveLength(2);
    expect(sink.calls[1]!.at).toBe(sink.calls[0]!.at);
    expect(status).toMatchObject({ ok: true, retryableFailures: 1 });
  });

  it("a flush honours Retry-After within its timeout and gives up at the deadline", async () => {
    const sink = scriptedSink((_b, i) => (i === 0 ? unavailable(5000) : "accept"));
    const outbox = new Outbox({ sink, random: () => 0 });
    outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(250);
    const t0 = Date.now();
    const quick = outbox.flush({ timeoutSeconds: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(await quick).toMatchObject({ ok: false, pendingMetrics: 1 });
    expect(sink.calls).toHaveLength(1);
    const patient = outbox.flush();
    await vi.advanceTimersByTimeAsync(3999);
    expect(sink.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await patient).toMatchObject({ ok: true });
    expect(sink.calls[1]!.at - t0).toBe(5000);
  });
});

describe("Outbox and a sink's unexpected error", () => {
  it("reports it as `internal` (not a server or input error), with the original as cause, and does not retry it", async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    const sink = { deliver: () => Promise.reject(bug), close: () => Promise.resolve() };
    const calls = vi.spyOn(sink, "deliver");
    const outbox = new Outbox({ sink, label: 'experiment "bug"' });
    outbox.enqueueMetric(metric());
    const status = await outbox.flush({ retries: 2 });
    expect(status).toMatchObject({ ok: false, failedMetrics: 1, pendingMetrics: 0 });
    expect(status.lastError).toMatchObject({ code: "internal", retryable: false, cause: bug });
    expect(status.lastError?.message).toMatch(/^experiment "bug": unexpected internal error: Cannot read properties/);
    expect(calls).toHaveBeenCalledTimes(1);
  });
});
