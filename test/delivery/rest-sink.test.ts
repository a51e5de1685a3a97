// The REST sink with the real client against the emulator (loopback, real timers).
import { afterEach, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import type { SyvainClient } from "../../src/client/client-types.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { createRestSink } from "../../src/delivery/rest-sink.ts";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";

let emulator: Emulator | undefined;
let client: SyvainClient | undefined;
afterEach(async () => {
  await client?.close();
  await emulator?.close();
});

async function setUp(slug: string): Promise<{ outbox: Outbox; emulator: Emulator }> {
  emulator = await startEmulator();
  client = createSyvainClient({ host: emulator.url, apiKey: emulator.apiKey });
  const experiment = await client.createExperiment({ slug });
  const outbox = new Outbox({ sink: createRestSink({ client, experimentId: experiment.id }), random: () => 0 });
  return { outbox, emulator };
}

describe("createRestSink", () => {
  it("delivers annotations over 5 MiB per batch by splitting on 413, and status updates in order", async () => {
    const { outbox, emulator } = await setUp("rest-annotations");
    outbox.enqueueStatus("running");
    const text = "é".repeat(15_000); // 30 kB of UTF-8 each: 400 of them exceed the 5 MiB body limit
    for (let i = 0; i < 400; i++) outbox.enqueueAnnotation({ client_event_id: `note-${i}`, text, timestamp: 1_700_000_000_000 + i, metadata: { i } });
    outbox.enqueueStatus("done");
    const status = await outbox.flushOrRaise();
    expect(status.ok).toBe(true);
    const stored = emulator.store.annotations("rest-annotations");
    expect(stored).toHaveLength(400);
    expect(new Set(stored.map((a) => a.client_event_id)).size).toBe(400);
    expect(emulator.counters.responses["413"]).toBeGreaterThan(0);
    expect(emulator.store.experiment("rest-annotations")?.status).toBe("done");
    expect(outbox.stats().annotations).toMatchObject({ enqueued: 400, accepted: 400, failed: 0 });
  });

  it("retries a lost answer with the same key: the server replays or deduplicates, nothing is stored twice", async () => {
    const { outbox, emulator } = await setUp("rest-retry");
    emulator.faults.script("ingestMetrics", [{ storeThenFail: "reset" }, { status: 503, retryAfterSeconds: 0 }]);
    for (let i = 0; i < 10; i++) outbox.enqueueMetric({ client_event_id: `m-${i}`, name: "loss", value: i, step: i, timestamp: 1_700_000_000_000, metadata: {} });
    const status = await outbox.flushOrRaise({ retries: 5 });
    expect(status).toMatchObject({ ok: true, retryableFailures: 2 });
    expect(emulator.store.metrics("rest-retry")).toHaveLength(10);
    expect(emulator.counters.duplicatesSuppressed).toBe(10);
    expect(outbox.stats().metrics).toMatchObject({ accepted: 10, duplicates: 10 });
  });

  it("fails permanently on a validation error, keeping the server's error", async () => {
    const { outbox } = await setUp("rest-invalid");
    outbox.enqueueMetric({ client_event_id: "bad", name: "loss", value: 1, step: -1, timestamp: 1_700_000_000_000, metadata: {} });
    const status = await outbox.flush({ retries: 3 });
    expect(status).toMatchObject({ ok: false, failedMetrics: 1, retryableFailures: 0 });
    expect(status.lastError).toMatchObject({ code: "validation", status: 422 });
  });
});
