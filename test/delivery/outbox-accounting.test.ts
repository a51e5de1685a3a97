import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Outbox } from "../../src/delivery/outbox.ts";
import type { Batch, OutboxKindStats } from "../../src/delivery/delivery-types.ts";
import { idsOf, invalid, metric, scriptedSink, seededRandom, tooLarge, unavailable } from "./scripted-sink.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const balanced = (k: OutboxKindStats): boolean => k.enqueued === k.accepted + k.pending + k.failed + k.dropped;

describe("Outbox accounting", () => {
  it("keeps enqueued = accepted + pending + failed + dropped at every moment under random failures", async () => {
    const rand = seededRandom(42);
    const acknowledged = new Map<string, number>();
    let statusesAcknowledged = 0;
    const acknowledge = (batch: Batch): void => {
      if (batch.kind === "status") statusesAcknowledged++;
      else for (const item of batch.items) acknowledged.set(item.client_event_id, (acknowledged.get(item.client_event_id) ?? 0) + 1);
    };
    const samples: boolean[] = [];
    const sample = (): void => {
      const s = outbox.stats();
      samples.push(balanced(s.metrics) && balanced(s.annotations) && balanced(s.statusUpdates));
    };
    // The server refuses a known Idempotency-Key with another body (422): a key must always carry one body.
    const bodies = new Map<string, string>();
    let keyReused = 0;
    const sink = scriptedSink((batch) => {
      const body = JSON.stringify(batch.kind === "status" ? batch.status : idsOf(batch));
      if ((bodies.get(batch.idempotencyKey) ?? body) !== body) keyReused++;
      bodies.set(batch.idempotencyKey, body);
      sample();
      const r = rand();
      if (r < 0.15) return unavailable(Math.floor(rand() * 300));
      if (r < 0.2) return tooLarge();
      if (r < 0.22) return invalid();
      if (r < 0.3) return "hold";
      acknowledge(batch);
      return "accept";
    });
    const outbox = new Outbox({ sink, maxQueueItems: 400, maxBatchItems: 50, maxRetries: 3, random: rand, onWarning: () => undefined });

    let heldAndReleased = 0;
    for (let round = 0; round < 200; round++) {
      const n = round % 40 === 20 ? 1000 : Math.floor(rand() * 200);
      for (let i = 0; i < n; i++) {
        if (rand() < 0.1) outbox.enqueueAnnotation({ client_event_id: `a${round}-${i}`, text: "t", timestamp: 1, metadata: {} });
        else outbox.enqueueMetric(metric());
        if (i % 50 === 0) sample();
      }
      if (rand() < 0.05) outbox.enqueueStatus("running");
      await vi.advanceTimersByTimeAsync(Math.floor(rand() * 400));
      sample();
      // Release a few held requests, acknowledged or failed.
      for (const call of sink.held().slice(0, 2)) {
        heldAndReleased++;
        if (rand() < 0.5) {
          acknowledge(call.batch);
          call.resolve();
        } else call.reject(unavailable());
      }
      await vi.advanceTimersByTimeAsync(0);
      sample();
      if (round % 50 === 49) {
        const flushing = outbox.flush({ retries: 1, timeoutSeconds: 1 });
        await vi.advanceTimersByTimeAsync(1000);
        await flushing;
        sample();
      }
    }
    // Heal the sink and drain.
    sink.script = (batch) => {
      sample();
      acknowledge(batch);
      return "accept";
    };
    for (const call of sink.held()) {
      acknowledge(call.batch);
      call.resolve();
    }
    const final = outbox.flush({ retries: 5 });
    await vi.advanceTimersByTimeAsync(120_000);
    const status = await final;
    const s = outbox.stats();
    expect(samples.length).toBeGreaterThan(500);
    expect(samples.every(Boolean)).toBe(true);
    expect(keyReused).toBe(0);
    expect(bodies.size).toBeLessThan(sink.calls.length); // keys were reused by retries
    expect(status.pendingMetrics + status.pendingAnnotations + status.pendingStatusUpdates).toBe(0);
    // Every acknowledged event once, and the outbox counted exactly what the sink acknowledged.
    expect([...acknowledged.values()].every((n) => n === 1)).toBe(true);
    expect(acknowledged.size).toBe(s.metrics.accepted + s.annotations.accepted);
    expect(statusesAcknowledged).toBe(s.statusUpdates.accepted);
    // The run really exercised every path.
    expect(s.metrics.failed).toBeGreaterThan(0);
    expect(s.metrics.dropped).toBeGreaterThan(0);
    expect(heldAndReleased).toBeGreaterThan(0);
    expect(s.statusUpdates.enqueued).toBeGreaterThan(0);
  });
});
