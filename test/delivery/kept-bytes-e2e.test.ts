/**
 * Kept JSON (src/api/kept-batch.ts) end to end, with a real spool, a small spill window, 503s and
 * bodies over 5 MiB of non-ASCII text (the outbox splits them by bytes before sending), nested
 * look-alikes of the boundary in metadata: every annotation is stored once and equal to what was
 * queued (written by outside review 9, which found no defect here).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AnnotationEvent } from "../../src/api/contract.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { SpoolJournal } from "../../src/delivery/journal/outbox-journal.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { spillLimits } from "../../src/delivery/spill-refill.ts";
import { createRestSink } from "../../src/delivery/rest-sink.ts";
import { openSpool, type Spool } from "../../src/delivery/spool/index.ts";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";

let emulator: Emulator | undefined;
let spool: Spool | undefined;
let dir = "";
afterEach(async () => {
  await spool?.close();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

let seed = 11;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const texts = ["é", "\u2028", "😀", '"},{"client_event_id":"x', "\\", "a"];

function note(i: number): AnnotationEvent {
  const unit = texts[i % texts.length]!;
  const text = unit.repeat(Math.floor(rnd() * 15_000) + 1).slice(0, 15_000);
  const metadata = i % 3 === 0 ? { nested: [{}, { client_event_id: `fake-${i}` }] } : i % 3 === 1 ? { s: '},{"client_event_id":' } : {};
  return { client_event_id: `n-${i}`, text, timestamp: 1_765_000_000_000 + i, metadata } as AnnotationEvent;
}

describe("kept byte ranges end to end", () => {
  it("every annotation stored once, equal to what was queued, through spill, read back and 503s", async () => {
    emulator = await startEmulator();
    const client = createSyvainClient({ host: emulator.url, apiKey: emulator.apiKey });
    dir = await mkdtemp(join(tmpdir(), "review9-e2e-"));
    spool = await openSpool({ dir, syncIntervalMs: 0, onError: () => {} });
    const experiment = await client.createExperiment({ slug: "e2e" });
    const window = spillLimits.window;
    spillLimits.window = 200;
    const outbox = new Outbox({
      sink: createRestSink({ client, experimentId: experiment.id }),
      journal: new SpoolJournal({ spool, slug: "e2e", experimentId: experiment.id }),
      maxQueueItems: 2_000,
      maxBatchItems: 500,
      maxConcurrentRequests: 2,
      flushDelaySeconds: 0.01,
      random: () => 0.01,
      onWarning: () => {},
    });
    spillLimits.window = window;
    const queued: AnnotationEvent[] = [];
    emulator.faults.random("ingestAnnotations", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    for (let i = 0; i < 1_500; i++) {
      if (i === 700) emulator.faults.random("ingestAnnotations", { rate: 0.3, mix: [{ status: 503, retryAfterSeconds: 0 }] });
      const e = note(i);
      queued.push(structuredClone(e));
      outbox.enqueueAnnotation(e);
      if (i % 300 === 299) await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    emulator.faults.clear();
    const status = await outbox.flush({ retries: 50 });
    expect(status.ok, JSON.stringify(status)).toBe(true);
    const stored = emulator.store.annotations("e2e");
    expect(stored.length).toBe(1_500);
    const byId = new Map(stored.map((a) => [a.client_event_id, a]));
    for (const q of queued) expect(byId.get(q.client_event_id)).toEqual(q);
    expect(outbox.memoryStats()!.peakEventsInMemory).toBeLessThanOrEqual(200); // spilled and read back
    await outbox.close();
    await client.close();
  }, 120_000);
});
