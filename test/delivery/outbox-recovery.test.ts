// After an outage, the first success means Syvain is back: every batch waiting for its own
// backoff (up to 30 s) is retried at once, not at its own time; a server's Retry-After still holds.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Outbox } from "../../src/delivery/outbox.ts";
import { metric, scriptedSink, seededRandom, unavailable } from "./scripted-sink.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const OUTAGE_MS = 60_000;

/** An outbox whose sink fails everything until `recover()`, with a seeded jitter (batches spread over their backoff). */
function outageOutbox(failure = () => unavailable()) {
  let down = true;
  const sink = scriptedSink(() => (down ? failure() : "accept"));
  const outbox = new Outbox({ sink, maxBatchItems: 10, maxConcurrentRequests: 4, flushDelaySeconds: 0, random: seededRandom(7) });
  return { sink, outbox, recover: () => (down = false) };
}

describe("Outbox recovery after an outage", () => {
  it("retries every waiting batch as soon as one request succeeds", async () => {
    const { sink, outbox, recover } = outageOutbox();
    for (let i = 0; i < 300; i++) outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(OUTAGE_MS);
    // 30 batches of 10, each waiting for its own backoff.
    const failedCalls = sink.calls.length;
    expect(failedCalls).toBeGreaterThanOrEqual(30);
    expect(outbox.stats().metrics.pending).toBe(300);
    recover();
    let firstSuccessAt = Infinity;
    let drainedAt = Infinity;
    for (let t = 0; t < 31_000 && drainedAt === Infinity; t += 10) {
      await vi.advanceTimersByTimeAsync(10);
      if (sink.calls.length > failedCalls) firstSuccessAt = Math.min(firstSuccessAt, sink.calls[failedCalls]!.at);
      if (outbox.stats().metrics.pending === 0) drainedAt = Date.now();
    }
    expect(outbox.stats().metrics).toMatchObject({ accepted: 300, pending: 0 });
    // The backlog drains at the first success, not over the batches' backoffs.
    expect(drainedAt - firstSuccessAt).toBeLessThanOrEqual(10);
    await outbox.close();
  });

  it("still sends nothing before a server's Retry-After, even after a success", async () => {
    const { sink, outbox, recover } = outageOutbox(() => unavailable(45_000));
    for (let i = 0; i < 30; i++) outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls.length).toBe(3);
    const failedAt = sink.calls[0]!.at;
    recover();
    // An event enqueued later succeeds at once (its batch has no Retry-After of its own)...
    outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls.length).toBe(4);
    // ...but the batches told to wait 45 s are not retried before then.
    await vi.advanceTimersByTimeAsync(44_990);
    expect(sink.calls.length).toBe(4);
    await vi.advanceTimersByTimeAsync(20);
    expect(sink.calls.length).toBe(7);
    expect(sink.calls.slice(4).every((call) => call.at - failedAt >= 45_000)).toBe(true);
    expect(outbox.stats().metrics).toMatchObject({ accepted: 31, pending: 0 });
    await outbox.close();
  });
});
