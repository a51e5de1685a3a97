// The randomized acceptance test of the delivery core: a real client, a real emulator over
// loopback, ~30% of ingest requests failing (429/503 with Retry-After, 500/502/504, resets, and
// store-then-fail), 100,000 events through one outbox. Real timers: nothing asserts durations.
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import type { SyvainClient } from "../../src/client/client-types.ts";
import type { MetricEvent } from "../../src/api/contract.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { createRestSink } from "../../src/delivery/rest-sink.ts";
import type { OutboxKindStats } from "../../src/delivery/delivery-types.ts";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";

let emulator: Emulator | undefined;
let client: SyvainClient | undefined;
afterEach(async () => {
  await client?.close();
  await emulator?.close();
});

const balanced = (k: OutboxKindStats): boolean => k.enqueued === k.accepted + k.pending + k.failed + k.dropped;

describe("Outbox against the emulator with random faults", () => {
  it("stores 100,000 events exactly once through ~30% failing ingest requests, accounting balanced throughout", async () => {
    emulator = await startEmulator();
    client = createSyvainClient({ host: emulator.url, apiKey: emulator.apiKey });
    const experiment = await client.createExperiment({ slug: "acceptance" });
    emulator.faults.random("ingestMetrics", {
      rate: 0.3,
      seed: 20_261_126,
      mix: [
        { status: 429, retryAfterSeconds: 0 },
        { status: 429, retryAfterSeconds: 1, weight: 0.25 },
        { status: 503, retryAfterSeconds: 0 },
        { status: 500 },
        { status: 502 },
        { status: 504 },
        { reset: true },
        { storeThenFail: 500, weight: 1.5 },
        { storeThenFail: "reset", weight: 1.5 },
      ],
    });
    const outbox = new Outbox({ sink: createRestSink({ client, experimentId: experiment.id }), label: "acceptance" });
    outbox.enqueueStatus("running");

    const samples: boolean[] = [];
    const sample = (): void => {
      const s = outbox.stats();
      samples.push(balanced(s.metrics) && balanced(s.statusUpdates));
    };
    const sampler = setInterval(sample, 2);
    const total = 100_000;
    const base = Date.now();
    for (let i = 0; i < total; i++) {
      const event: MetricEvent = { client_event_id: `run-1:${i}`, name: i % 2 ? "loss" : "acc", value: 1 / (i + 1), step: i >> 1, timestamp: base + i, metadata: {} };
      outbox.enqueueMetric(event);
      if (i % 2000 === 1999) {
        sample();
        await yieldToLoop();
      }
    }
    outbox.enqueueStatus("done");
    const status = await outbox.flushOrRaise({ retries: 30 });
    clearInterval(sampler);
    sample();

    const stored = emulator.store.metrics("acceptance");
    expect(stored).toHaveLength(total);
    expect(new Set(stored.map((e) => e.client_event_id)).size).toBe(total);
    const counters = emulator.counters;
    expect(counters.faultsInjected).toBeGreaterThan(0);
    expect(counters.faultsByKind.storeThenFail).toBeGreaterThan(0);
    expect(counters.duplicatesSuppressed).toBeGreaterThan(0);
    expect(status).toMatchObject({ ok: true, pendingMetrics: 0, failedMetrics: 0, droppedMetrics: 0 });
    const stats = outbox.stats();
    expect(stats.metrics).toMatchObject({ enqueued: total, accepted: total, pending: 0, failed: 0, dropped: 0 });
    // The outbox saw duplicates in answers; the server may have suppressed more in answers that were lost.
    expect(stats.metrics.duplicates).toBeGreaterThan(0);
    expect(stats.metrics.duplicates).toBeLessThanOrEqual(counters.duplicatesSuppressed);
    expect(emulator.store.experiment("acceptance")?.status).toBe("done");
    expect(samples.length).toBeGreaterThan(50);
    expect(samples.every(Boolean)).toBe(true);
    await outbox.close();
  });
});
