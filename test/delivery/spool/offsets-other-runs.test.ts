/**
 * A spool's record offsets stay bounded by the events its owners hold in memory, also when other
 * runs of the process share it (one spool per process): here run "gaps" spills its metrics while
 * Syvain refuses them, and run "notes" has its annotations delivered from memory. Before, each group
 * of 1,024 offsets held a few "notes" records that were never released (acknowledged instead, or
 * delivered before they were written: no bytes), so no group was ever forgotten and the spool kept
 * 4 bytes per spilled event. (Found by review 11.)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AnnotationEvent, MetricEvent } from "../../../src/api/contract.ts";
import { createSyvainClient } from "../../../src/client/create-client.ts";
import type { SyvainClient } from "../../../src/client/client-types.ts";
import { deliveredEventTypes } from "../../../src/delivery/journal/spool-records.ts";
import { SpoolJournal } from "../../../src/delivery/journal/outbox-journal.ts";
import { Outbox } from "../../../src/delivery/outbox.ts";
import { createRestSink } from "../../../src/delivery/rest-sink.ts";
import { openSpool, type Spool } from "../../../src/delivery/spool/index.ts";
import { OFFSET_GROUP_RECORDS } from "../../../src/delivery/spool/record-offsets.ts";
import { startEmulator, type Emulator } from "../../../src/testing/index.ts";

let emulator: Emulator;
let client: SyvainClient;
let dir: string;
let spool: Spool;

beforeEach(async () => {
  emulator = await startEmulator();
  client = createSyvainClient({ host: emulator.url, apiKey: emulator.apiKey });
  dir = await mkdtemp(join(tmpdir(), "review11-gaps-"));
});

afterEach(async () => {
  await spool.close();
  await client.close();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

const metricAt = (i: number, base: number): MetricEvent => ({ client_event_id: `m:${i}`, name: "loss", value: i, step: i, timestamp: base + i, metadata: {} });
const annotationAt = (i: number, base: number): AnnotationEvent => ({ client_event_id: `a:${i}`, text: `note ${i}`, timestamp: base + i, metadata: {} });

describe("spilled events' offsets while another run's annotations are delivered", () => {
  it("offsets stay bounded (as without annotations) while metrics spill and annotations are delivered", async () => {
    spool = await openSpool({ dir, syncIntervalMs: 0, onError: () => {}, skipAckedTypes: deliveredEventTypes });
    const experiment = await client.createExperiment({ slug: "gaps" });
    const journal = new SpoolJournal({ spool, slug: "gaps", experimentId: experiment.id });
    const bound = 200;
    const outbox = new Outbox({ sink: createRestSink({ client, experimentId: experiment.id }), label: "gaps", journal, maxQueueItems: bound, maxBatchItems: 25, maxConcurrentRequests: 2, flushDelaySeconds: 0.01, random: () => 0.01 });
    // A second run in the same process (one spool per process): it only annotates, and Syvain takes those.
    const other = await client.createExperiment({ slug: "notes" });
    const notesOutbox = new Outbox({ sink: createRestSink({ client, experimentId: other.id }), label: "notes", journal: new SpoolJournal({ spool, slug: "notes", experimentId: other.id }), maxQueueItems: bound, maxBatchItems: 25, maxConcurrentRequests: 2, flushDelaySeconds: 0.01, random: () => 0.01 });
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const base = Date.now();
    let notes = 0;
    const metrics = 12_000;
    for (let i = 0; i < metrics; i++) {
      outbox.enqueueMetric(metricAt(i, base));
      if (i % 200 === 199) {
        notesOutbox.enqueueAnnotation(annotationAt(notes++, base));
        await sleep(20); // the annotation goes out and is acknowledged within the write window
      }
    }
    await spool.whenDurable();
    await vi.waitFor(() => expect(outbox.memoryStats()!.spilledOnDisk).toBe(metrics - bound), { timeout: 10_000 });
    const stats = spool.stats();
    // sanity: the annotations really were delivered before they were written
    expect(stats.deliveredUnwritten).toBeGreaterThan(notes / 2);
    // The groups holding the 200 events in memory (two at most) and the one being filled; before, one per 1,024 spilled.
    expect(spool.own.offsetSlots).toBeLessThanOrEqual(3 * OFFSET_GROUP_RECORDS);
    emulator.faults.clear();
    await outbox.close();
    await notesOutbox.close();
  }, 60_000);
});
