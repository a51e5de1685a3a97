/**
 * Spill and refill with a real spool in a temp dir and the emulator over loopback: while Syvain is
 * down the outbox keeps at most `maxQueueItems` events in memory and the rest in the spool only
 * (spilled, not dropped); once Syvain is back this same process reads them back from its own
 * segments and delivers every event exactly once, taking them in enqueue order. When the spool refuses
 * (here: full), the old bound applies: the oldest are evicted, counted and warned.
 * Real timers (real sockets and files); jitter is injected so retries come quickly, and nothing
 * asserts durations.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay, setImmediate as yieldToLoop } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AnnotationEvent, MetricEvent } from "../../src/api/contract.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import type { SyvainClient } from "../../src/client/client-types.ts";
import { SpoolJournal } from "../../src/delivery/journal/outbox-journal.ts";
import { deliveredEventTypes } from "../../src/delivery/journal/spool-records.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { spillLimits } from "../../src/delivery/spill-refill.ts";
import { createRestSink } from "../../src/delivery/rest-sink.ts";
import type { DeliverySink } from "../../src/delivery/delivery-types.ts";
import { openSpool, type Spool, type SpoolOptions } from "../../src/delivery/spool/index.ts";
import { OFFSET_GROUP_RECORDS } from "../../src/delivery/spool/record-offsets.ts";
import { FaultyFs } from "./spool/faulty-fs.ts";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { writerDirs } from "./spool/spool-helpers.ts";

let emulator: Emulator;
let client: SyvainClient;
let dir: string;
let spool: Spool;

beforeEach(async () => {
  emulator = await startEmulator();
  client = createSyvainClient({ host: emulator.url, apiKey: emulator.apiKey });
  dir = await mkdtemp(join(tmpdir(), "outbox-spill-"));
});

afterEach(async () => {
  await spool.close();
  await client.close();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

const SERIES = ["loss", "acc", "lr"];
const metricAt = (i: number, base: number): MetricEvent => ({
  client_event_id: `spill:${i}`,
  name: SERIES[i % SERIES.length]!,
  value: i,
  step: Math.floor(i / SERIES.length),
  timestamp: base + i,
  metadata: {},
});
const annotationAt = (i: number, base: number): AnnotationEvent => ({ client_event_id: `note:${i}`, text: `note ${i}`, timestamp: base + i, metadata: {} });

/** An event batch as the sink got it: its first event's id, and the events the outbox held in memory then (this batch's included). */
interface Send {
  first: string;
  inMemory: number;
}

async function outboxWithSpool(
  slug: string,
  maxQueueItems: number,
  spoolOptions: Partial<SpoolOptions> = {},
  /** Each event batch waits this long before it is sent: a Syvain slower than reading back. */
  sendDelayMs = 0,
): Promise<{ outbox: Outbox; journal: SpoolJournal; warnings: string[]; firstSent: string[]; sends: Send[] }> {
  spool = await openSpool({ dir, syncIntervalMs: 0, onError: () => {}, ...spoolOptions });
  const experiment = await client.createExperiment({ slug });
  const warnings: string[] = [];
  const rest = createRestSink({ client, experimentId: experiment.id });
  const firstSent: string[] = [];
  const sends: Send[] = [];
  const seen = new Set<string>();
  // Records the order in which events first reach the sink: the order the outbox takes them in.
  const sink: DeliverySink = {
    async deliver(batch, signal) {
      if (batch.kind === "status") return rest.deliver(batch, signal);
      sends.push({ first: batch.items[0]!.client_event_id, inMemory: outbox.memoryStats()!.eventsInMemory });
      for (const { client_event_id: id } of batch.items) {
        if (seen.has(id)) continue;
        seen.add(id);
        firstSent.push(id);
      }
      if (sendDelayMs > 0) await delay(sendDelayMs);
      return rest.deliver(batch, signal);
    },
    close: () => rest.close(),
  };
  const journal = new SpoolJournal({ spool, slug, experimentId: experiment.id });
  const outbox = new Outbox({
    sink,
    label: slug,
    journal,
    maxQueueItems,
    maxBatchItems: 25,
    maxConcurrentRequests: 2,
    flushDelaySeconds: 0.01,
    random: () => 0.01, // retries within ~300 ms instead of up to 30 s
    onWarning: (message) => warnings.push(message),
  });
  return { outbox, journal, warnings, firstSent, sends };
}

describe("Outbox spill window while Syvain takes requests", () => {
  it("holds a burst in memory up to 3/4 of the bound (no spill, no read back); after a failure, new events past the outage window spill", async () => {
    const window = spillLimits.window;
    spillLimits.window = 100;
    const { outbox, firstSent } = await outboxWithSpool("spill-delivering", 1_000).finally(() => {
      spillLimits.window = window;
    });
    const writeSoon = vi.spyOn(spool, "writeSoon");
    const base = Date.now();
    outbox.enqueueMetric(metricAt(0, base));
    await outbox.flushOrRaise(); // a request went out and succeeded: Syvain takes them
    for (let i = 1; i <= 700; i++) outbox.enqueueMetric(metricAt(i, base)); // one synchronous burst
    expect(outbox.memoryStats()).toMatchObject({ spilledMetrics: 0, eventsInMemory: 700 });
    await outbox.flushOrRaise();
    // Nothing spilled: the spool may wait to see the burst delivered (then it never writes it).
    expect(writeSoon).not.toHaveBeenCalled();

    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    outbox.enqueueMetric(metricAt(701, base));
    await vi.waitFor(() => expect(outbox.stats().lastError?.code).toBeDefined()); // a retryable failure: an outage
    for (let i = 702; i <= 1_200; i++) outbox.enqueueMetric(metricAt(i, base));
    expect(outbox.memoryStats()!.eventsInMemory).toBe(100); // the outage window
    // Spilled events are held in memory until written: the spool is told not to wait for their delivery.
    expect(writeSoon).toHaveBeenCalled();
    await spool.whenDurable(); // spilled events leave memory once written
    await vi.waitFor(() => expect(outbox.memoryStats()!.spilledMetrics).toBe(1_200 - 700 - 100));

    emulator.faults.clear();
    const status = await outbox.flushOrRaise({ retries: 50 });
    expect(status).toMatchObject({ ok: true, droppedMetrics: 0 });
    const stored = emulator.store.metrics("spill-delivering");
    expect(new Set(stored.map((e) => e.client_event_id)).size).toBe(1_201);
    expect(firstSent).toEqual(Array.from({ length: 1_201 }, (_, i) => `spill:${i}`));
    await outbox.close();
  });
});

describe("Outbox spill to its spool during an outage", () => {
  it("keeps memory within the bound, spills the rest, and delivers everything once, in order, after the outage", async () => {
    const bound = 200;
    const { outbox, warnings, firstSent } = await outboxWithSpool("spill-outage", bound);
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const metrics = 3000;
    const annotations = 150;
    const base = Date.now();
    let peak = 0;
    for (let i = 0; i < metrics; i++) {
      outbox.enqueueMetric(metricAt(i, base));
      if (i % 20 === 0) outbox.enqueueAnnotation(annotationAt(i / 20, base));
      peak = Math.max(peak, outbox.memoryStats()!.eventsInMemory);
      if (i % 500 === 499) await yieldToLoop();
    }
    // The spool writes the spilled events; the outbox then holds none of them.
    await spool.whenDurable();
    await vi.waitFor(() => expect(outbox.memoryStats()!.spilledOnDisk).toBeGreaterThan(2000));
    expect(outbox.stats().metrics).toMatchObject({ accepted: 0, dropped: 0 });

    emulator.faults.clear();
    outbox.enqueueStatus("done");
    const status = await outbox.flushOrRaise({ retries: 50 });

    const memory = outbox.memoryStats()!;
    expect(Math.max(peak, memory.peakEventsInMemory)).toBeLessThanOrEqual(bound);
    expect(memory.spilledMetrics).toBeGreaterThan(2000);
    expect(memory.spilledAnnotations).toBeGreaterThan(0);
    expect(memory).toMatchObject({ eventsInMemory: 0, spilledOnDisk: 0 });
    expect(status).toMatchObject({ ok: true, droppedMetrics: 0, droppedAnnotations: 0 });
    expect(outbox.stats().metrics).toMatchObject({ enqueued: metrics, accepted: metrics, dropped: 0, pending: 0 });
    expect(warnings).toEqual([]);

    const stored = emulator.store.metrics("spill-outage");
    expect(stored).toHaveLength(metrics);
    expect(new Set(stored.map((e) => e.client_event_id)).size).toBe(metrics);
    // Retries reorder what the server stores (they do without a spill too); what the outbox takes
    // from memory, refilled events included, is in enqueue order.
    expect(firstSent.filter((id) => id.startsWith("spill:"))).toEqual(Array.from({ length: metrics }, (_, i) => `spill:${i}`));
    expect(firstSent.filter((id) => id.startsWith("note:"))).toEqual(Array.from({ length: annotations }, (_, i) => `note:${i}`));
    expect(emulator.store.annotations("spill-outage")).toHaveLength(annotations);
    // The status waited for every event enqueued before it.
    expect(emulator.store.experiment("spill-outage")?.status).toBe("done");

    await outbox.close();
    await spool.close();
    // Every record was acknowledged: the writer directory is gone.
    expect(writerDirs(dir)).toEqual([]);
  });

  it("reads back just in time: the drain holds what is in flight plus about three refills, not the whole outage window", async () => {
    const bound = 1000; // the outage window
    const refill = 25 * 2; // maxBatchItems x maxConcurrentRequests
    // Sends slower than reads: before, reads went on while the window had room.
    const { outbox, sends } = await outboxWithSpool("spill-just-in-time", bound, {}, 2);
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const base = Date.now();
    const metrics = 6000;
    for (let i = 0; i < metrics; i++) {
      outbox.enqueueMetric(metricAt(i, base));
      if (i % 500 === 499) await yieldToLoop();
    }
    await spool.whenDurable();
    await vi.waitFor(() => expect(outbox.memoryStats()!.spilledOnDisk).toBe(metrics - bound));

    emulator.faults.clear();
    const status = await outbox.flushOrRaise({ retries: 50 });
    expect(status).toMatchObject({ ok: true, droppedMetrics: 0 });
    expect(new Set(emulator.store.metrics("spill-just-in-time").map((e) => e.client_event_id)).size).toBe(metrics);
    // Past the events the outage left in memory, every batch is read back: at its send, memory holds
    // the requests in flight (one refill), what is queued (below two refills when the next read
    // starts) and that read. Before, reads went on until the outage window was full again (~1,000).
    const readBack = sends.filter((send) => Number(send.first.slice("spill:".length)) >= 2 * bound);
    expect(readBack.length).toBeGreaterThan(50);
    expect(Math.max(...readBack.map((send) => send.inMemory))).toBeLessThanOrEqual(4 * refill);
  });

  it("what it keeps per event on disk only does not grow with them (the spool's record offsets, the journal's refs); all delivered once after", async () => {
    const bound = 200;
    const { outbox, journal, firstSent } = await outboxWithSpool("spill-bookkeeping", bound);
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const base = Date.now();
    /** Logs metrics `from .. to - 1`, waits until the outbox holds only `bound` of them; returns what the bookkeeping holds. */
    const spillUpTo = async (from: number, to: number): Promise<{ offsetSlots: number; refSlots: number }> => {
      for (let i = from; i < to; i++) {
        outbox.enqueueMetric(metricAt(i, base));
        if (i % 500 === 499) await yieldToLoop();
      }
      await spool.whenDurable();
      await vi.waitFor(() => expect(outbox.memoryStats()!.spilledOnDisk).toBe(to - bound));
      return { offsetSlots: spool.own.offsetSlots, refSlots: journal.refSlots };
    };
    const after3k = await spillUpTo(0, 3000);
    const after12k = await spillUpTo(3000, 12_000);
    // One 1,024-record group of offsets for the events in memory, one for the group still filling; refs follow one another.
    expect(after3k).toEqual({ offsetSlots: 2048, refSlots: 0 });
    expect(after12k).toEqual(after3k);

    emulator.faults.clear();
    const status = await outbox.flushOrRaise({ retries: 50 });
    expect(status).toMatchObject({ ok: true, droppedMetrics: 0 });
    const stored = emulator.store.metrics("spill-bookkeeping");
    expect(new Set(stored.map((e) => e.client_event_id)).size).toBe(12_000);
    expect(stored).toHaveLength(12_000);
    expect(firstSent).toEqual(Array.from({ length: 12_000 }, (_, i) => `spill:${i}`));
    await outbox.close();
    await spool.close();
    // Every record was acknowledged (read back, offsets learnt again): the writer directory is gone.
    expect(writerDirs(dir)).toEqual([]);
  });

  it("a spool that refuses (full) leaves the old bound: the oldest are evicted, counted as dropped, warned once", async () => {
    const bound = 100;
    const { outbox, warnings } = await outboxWithSpool("spill-refused", bound, { maxBytes: 1 }); // full from the first append
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const base = Date.now();
    for (let i = 0; i < 400; i++) {
      outbox.enqueueMetric(metricAt(i, base));
      expect(outbox.memoryStats()!.eventsInMemory).toBeLessThanOrEqual(bound);
    }
    expect(spool.stats().refusedFull).toBe(400);
    expect(outbox.memoryStats()).toMatchObject({ spilledMetrics: 0, spilledOnDisk: 0 });
    expect(outbox.stats().metrics).toMatchObject({ enqueued: 400, dropped: 300, pending: 100 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/spill-refused/);

    emulator.faults.clear();
    const status = await outbox.flush({ retries: 50 });
    expect(status).toMatchObject({ ok: false, pendingMetrics: 0, droppedMetrics: 300 });
    // The newest 100 were kept.
    expect(emulator.store.metrics("spill-refused").map((e) => e.value)).toEqual(Array.from({ length: 100 }, (_, i) => 300 + i));
    await outbox.close();
  });

  it("a spool that fills while events are spilled: refused events behind the tail do not stall the refill; everything is stored or counted", async () => {
    // A window (100) below the bound (400), as by default (20,000 below 100,000). The spool fills
    // after a few hundred records: the first 100 stay in memory, the next ones spill, then the
    // spool refuses and refused events join the tail in memory, behind the spilled ones, until the
    // bound; the memory queue ahead of them empties once Syvain is back.
    const window = spillLimits.window;
    spillLimits.window = 100;
    const { outbox } = await outboxWithSpool("spill-then-full", 400, { maxBytes: 40_000 }).finally(() => {
      spillLimits.window = window;
    });
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const base = Date.now();
    const total = 1500;
    for (let i = 0; i < total; i++) {
      outbox.enqueueMetric(metricAt(i, base));
      // The spool learns its size from the flusher's writes: let it write between chunks.
      if (i % 100 === 99) await spool.whenDurable().catch(() => undefined);
    }
    expect(spool.stats().refusedFull).toBeGreaterThan(0);
    await vi.waitFor(() => expect(outbox.memoryStats()!.spilledOnDisk).toBeGreaterThan(0));
    // The state the reviewer found stuck: the bound reached with refused events behind spilled ones.
    expect(outbox.memoryStats()).toMatchObject({ eventsInMemory: 400 });

    emulator.faults.clear();
    const status = await outbox.flush({ retries: 50, timeoutSeconds: 20 });
    // Nothing is left waiting: every event was either delivered or dropped and counted.
    expect(status).toMatchObject({ pendingMetrics: 0, failedMetrics: 0 });
    expect(outbox.memoryStats()).toMatchObject({ eventsInMemory: 0, spilledOnDisk: 0 });
    const { accepted, dropped } = outbox.stats().metrics;
    expect(accepted + dropped).toBe(total);
    const stored = emulator.store.metrics("spill-then-full");
    expect(stored).toHaveLength(accepted);
    expect(new Set(stored.map((e) => e.client_event_id)).size).toBe(accepted);
    await outbox.close();
  });

  it("spilled events a failed spool write lost are delivered from memory: none dropped, none counted as spilled", async () => {
    const faulty = new FaultyFs();
    const { outbox, warnings } = await outboxWithSpool("spill-write-failed", 200, { fs: faulty });
    faulty.failing.set("write", "EIO"); // the spool opened; its first record write fails
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const base = Date.now();
    for (let i = 0; i < 600; i++) outbox.enqueueMetric(metricAt(i, base));
    await vi.waitFor(() => expect(spool.stats().state).toBe("fallback"));

    emulator.faults.clear();
    const status = await outbox.flushOrRaise({ retries: 50 });
    expect(status).toMatchObject({ ok: true, droppedMetrics: 0 });
    expect(outbox.memoryStats()).toMatchObject({ spilledMetrics: 0, spilledOnDisk: 0, eventsInMemory: 0 });
    const stored = emulator.store.metrics("spill-write-failed");
    expect(stored).toHaveLength(600);
    expect(new Set(stored.map((e) => e.client_event_id)).size).toBe(600);
    expect(warnings).toEqual([]);
    await outbox.close();
  });
});

/**
 * A spool's record offsets stay bounded by the events its owners hold in memory, also when other
 * runs of the process share it (one spool per process): here run "gaps" spills its metrics while
 * Syvain refuses them, and run "notes" has its annotations delivered from memory. Before, each group
 * of 1,024 offsets held a few "notes" records that were never released (acknowledged instead, or
 * delivered before they were written: no bytes), so no group was ever forgotten and the spool kept
 * 4 bytes per spilled event. (Found by review 11.)
 */
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
        await delay(20); // the annotation goes out and is acknowledged within the write window
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
