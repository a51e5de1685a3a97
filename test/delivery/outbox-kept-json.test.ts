/**
 * With a spool, the outbox serialises each event once for its record and its request body: the
 * texts kept by the flusher or by the send are what the sink receives, and the emulator stores
 * every event as logged. Without a spool nothing is kept (bodies are serialised as before).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { MetricEvent } from "../../src/api/contract.ts";
import { keptJson } from "../../src/api/kept-json.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import type { Batch, DeliverySink } from "../../src/delivery/delivery-types.ts";
import { SpoolJournal } from "../../src/delivery/journal/outbox-journal.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { createRestSink } from "../../src/delivery/rest-sink.ts";
import { openSpool } from "../../src/delivery/spool/index.ts";
import { startEmulator } from "../../src/testing/index.ts";
import { tmpSpoolDir } from "./spool/spool-helpers.ts";

const metric = (n: number): MetricEvent => ({ client_event_id: `m-${n}`, name: "loss", value: n / 7, step: n, timestamp: 1_700_000_000_000 + n, metadata: { split: "val" } });

/** A sink that notes, per delivered event, the text kept on it when it was handed over. */
function noting(inner: DeliverySink, kept: (string | undefined)[]): DeliverySink {
  return {
    deliver(batch: Batch, deadline?: AbortSignal) {
      if (batch.kind === "metric") for (const e of batch.items) kept.push(keptJson(e));
      return inner.deliver(batch, deadline);
    },
    close: () => inner.close(),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function deliver(spooled: boolean, count: number, lazyJournal = false): Promise<{ kept: (string | undefined)[]; stored: MetricEvent[] }> {
  const emulator = await startEmulator();
  const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
  cleanups.push(() => emulator.close(), () => client.close());
  const experiment = await client.createExperiment({ slug: `kept-${String(spooled)}` });
  const spool = spooled ? await openSpool({ dir: tmpSpoolDir(), syncIntervalMs: 0 }) : undefined;
  const kept: (string | undefined)[] = [];
  const outbox = new Outbox({
    sink: noting(createRestSink({ client, experimentId: experiment.id }), kept),
    flushDelaySeconds: 0.01,
    maxBatchItems: 100,
    lazyJournal,
    ...(spool === undefined ? {} : { journal: new SpoolJournal({ spool, slug: experiment.slug, experimentId: experiment.id }) }),
  });
  for (let n = 0; n < count; n++) outbox.enqueueMetric(metric(n));
  await outbox.flushOrRaise();
  await outbox.close();
  await spool?.close();
  return { kept, stored: emulator.store.metrics(experiment.id) };
}

describe("one serialisation per event with a spool", () => {
  it("hands every event to the sink with its JSON kept, and the emulator stores each as logged", async () => {
    const { kept, stored } = await deliver(true, 1_000);
    expect(kept).toHaveLength(1_000);
    expect(kept).toEqual(Array.from({ length: 1_000 }, (_, n) => JSON.stringify(metric(n))));
    expect(stored.map((e) => JSON.stringify(e)).sort()).toEqual(Array.from({ length: 1_000 }, (_, n) => JSON.stringify(metric(n))).sort());
  });

  it("a lazy journal's owner (the facade) keeps nothing while it delivers: what is delivered within the flush interval is never written", async () => {
    const { kept, stored } = await deliver(true, 300, true);
    expect(kept).toEqual(new Array(300).fill(undefined));
    expect(stored.map((e) => JSON.stringify(e)).sort()).toEqual(Array.from({ length: 300 }, (_, n) => JSON.stringify(metric(n))).sort());
  });

  it("keeps nothing without a spool", async () => {
    const { kept, stored } = await deliver(false, 300);
    expect(kept).toEqual(new Array(300).fill(undefined));
    expect(stored.map((e) => e.client_event_id).sort()).toEqual(Array.from({ length: 300 }, (_, n) => `m-${n}`).sort());
  });
});
