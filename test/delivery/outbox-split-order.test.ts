// Guarantees that must survive a 413 split and odd sink answers: a status never overtakes the events
// enqueued before it (both halves of a split batch count), and `duplicates` stays the subset of
// `accepted` the OutboxKindStats contract describes, whatever number the server reports.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Outbox } from "../../src/delivery/outbox.ts";
import type { Batch } from "../../src/delivery/delivery-types.ts";
import { idsOf, metric, scriptedSink, tooLarge } from "./scripted-sink.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const size = (b: Batch): number => (b.kind === "status" ? 1 : b.items.length);

describe("Outbox after a 413 split", () => {
  it("holds a status until both halves of the split batch are settled, whichever half finishes first", async () => {
    for (const firstSettled of ["left", "right"] as const) {
      // The whole batch is too large; each half is held until the test answers it.
      const sink = scriptedSink((b) => (b.kind !== "status" && size(b) > 2 ? tooLarge() : b.kind === "status" ? "accept" : "hold"));
      const outbox = new Outbox({ sink });
      const events = [metric(), metric(), metric(), metric()];
      for (const e of events) outbox.enqueueMetric(e);
      outbox.enqueueStatus("done");
      await vi.advanceTimersByTimeAsync(250);

      const halves = sink.held();
      expect(halves.map((c) => idsOf(c.batch))).toEqual([events.slice(0, 2), events.slice(2)].map((h) => h.map((e) => e.client_event_id)));
      const [left, right] = halves as [(typeof halves)[0], (typeof halves)[0]];
      const [first, second] = firstSettled === "left" ? [left, right] : [right, left];

      first.resolve();
      await vi.advanceTimersByTimeAsync(1000);
      expect(sink.calls.some((c) => c.batch.kind === "status"), `status sent while the ${firstSettled === "left" ? "right" : "left"} half was in flight`).toBe(false);

      second.resolve();
      await vi.advanceTimersByTimeAsync(0);
      expect(sink.calls.at(-1)!.batch).toMatchObject({ kind: "status", status: "done" });
      expect(outbox.stats().metrics).toMatchObject({ enqueued: 4, accepted: 4, pending: 0 });
    }
  });

  it("a flush started after the split waits for both halves", async () => {
    const sink = scriptedSink((b) => (size(b) > 2 ? tooLarge() : "hold"));
    const outbox = new Outbox({ sink });
    for (let i = 0; i < 4; i++) outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(250);
    const [left, right] = sink.held();
    let settled = false;
    const flushing = outbox.flush().then((status) => {
      settled = true;
      return status;
    });
    left!.resolve();
    await vi.advanceTimersByTimeAsync(1000);
    expect(settled).toBe(false);
    right!.resolve();
    expect(await flushing).toMatchObject({ ok: true, pendingMetrics: 0 });
  });
});

describe("Outbox duplicate counts", () => {
  it("never counts more duplicates than the items a batch had, even if the server reports more", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink });
    for (let i = 0; i < 3; i++) outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(250);
    sink.calls[0]!.resolve({ accepted: 0, duplicates: 99 });
    await vi.advanceTimersByTimeAsync(0);
    const stats = outbox.stats().metrics;
    expect(stats).toMatchObject({ enqueued: 3, accepted: 3, pending: 0 });
    expect(stats.duplicates).toBe(3);
  });

  it("ignores a negative duplicate count", async () => {
    const sink = scriptedSink(() => "hold");
    const outbox = new Outbox({ sink });
    outbox.enqueueMetric(metric());
    await vi.advanceTimersByTimeAsync(250);
    sink.calls[0]!.resolve({ accepted: 1, duplicates: -5 });
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.stats().metrics).toMatchObject({ accepted: 1, duplicates: 0 });
  });
});
