/**
 * An outage at a steady rate through the facade, with the spool and memory only: a Collector logs
 * `BENCH_SPILL_RATE` events/s (5,000) for `BENCH_SPILL_OUTAGE_SECONDS` (20; the goal is
 * 600) while the emulator (its own process) answers every metrics ingest with 503, then recovers.
 * `maxQueueItems` is 100,000 (the default). Reported per side: events dropped, this process's RSS
 * at the start, its peak and at the end, and the drain after recovery (the wait for a first batch
 * to be stored, then events/s until every event is stored). The emulator's count is checked.
 * `BENCH_SPILL_SIDES` picks the sides and their order (`spool,memory`; one side per run gives each
 * a fresh process, as RSS is a process figure). RSS is sampled every 250 ms; "after 10 s" is where
 * V8's heap has grown to its working size, so "peak - after 10 s" says whether it keeps growing.
 * What this process keeps alive is measured apart from V8's sizing of its heap: the live bytes (heap
 * used + array buffers, after a gc) a quarter into the outage (at least 10 s: the memory window is
 * full, everything after it spills) and at its end, per event spilled in between; and the young generation's size at the end of the outage (V8 grows it up to
 * `--max-semi-space-size` under a steady allocation rate, and RSS follows as its pages are touched).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import v8 from "node:v8";
import { Collector } from "../src/facade/index.ts";
import type { BenchModule, BenchResult } from "./bench-types.ts";
import { getJson, putFaults, startChildServer, type ChildServer } from "./child-server.ts";

const RATE = Number(process.env.BENCH_SPILL_RATE ?? 5000);
const OUTAGE_SECONDS = Number(process.env.BENCH_SPILL_OUTAGE_SECONDS ?? 20);
const SIDES = (process.env.BENCH_SPILL_SIDES ?? "spool,memory").split(",");
const WARM_MS = 10_000;
const LIVE_FROM_MS = Math.max(WARM_MS, (OUTAGE_SECONDS * 1000) / 4);
const TICK_MS = 10;
const NAME = `outage at ${RATE.toLocaleString("en-US")} events/s for ${OUTAGE_SECONDS} s, maxQueueItems 100k`;
const MiB = 1024 * 1024;

interface SideResult {
  logged: number;
  dropped: number;
  stored: number;
  rss: { start: number; warm: number; outagePeak: number; peak: number; end: number };
  /** Heap used + array buffers after a gc, at `LIVE_FROM_MS` and at the end of the outage, and the events spilled then. */
  live: { quarter: number; end: number; spilledQuarter: number; spilledEnd: number };
  youngGeneration: number;
  firstStoredSeconds: number;
  drainPerSecond: number;
  spilled: number;
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const liveBytes = (): number => {
  gc();
  gc(); // a second pass collects what the first one's finalizers released
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};
const youngGenerationBytes = (): number => v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;

async function runSide(server: ChildServer, spoolDir: string | false): Promise<SideResult> {
  const collector = new Collector(server.apiKey, { host: server.url, spoolDir, maxQueueItems: 100_000, flushOnExit: false });
  const slug = `outage-spill-${spoolDir === false ? "memory" : "spool"}-${Date.now()}`;
  const experiment = await collector.experiment(slug);
  await putFaults(server.url, server.apiKey, { random: { ingestMetrics: { rate: 1, mix: [{ status: 503 }] } } });
  gc();
  const rss = { start: process.memoryUsage.rss(), warm: 0, outagePeak: 0, peak: 0, end: 0 };
  const sampleRss = (): void => void (rss.peak = Math.max(rss.peak, process.memoryUsage.rss()));
  const live = { quarter: 0, end: 0, spilledQuarter: 0, spilledEnd: 0 };
  const spilledNow = (): number => collector.stats().memory?.spilledOnDisk ?? 0;
  const warm = setTimeout(() => void (rss.warm = process.memoryUsage.rss()), WARM_MS);
  const liveFrom = setTimeout(() => {
    live.quarter = liveBytes();
    live.spilledQuarter = spilledNow();
  }, LIVE_FROM_MS);
  const sampler = setInterval(sampleRss, 250);

  // A steady rate: each tick logs what the elapsed time calls for.
  const total = RATE * OUTAGE_SECONDS;
  const t0 = Date.now();
  let logged = 0;
  while (logged < total) {
    const due = Math.min(total, Math.floor(((Date.now() - t0) * RATE) / 1000));
    for (; logged < due; logged++) experiment.metric("train/loss", Math.random(), { step: logged, metadata: { split: "train" } });
    await delay(TICK_MS);
  }

  sampleRss();
  rss.outagePeak = rss.peak;
  const youngGeneration = youngGenerationBytes();
  live.end = liveBytes();
  live.spilledEnd = spilledNow();
  await putFaults(server.url, server.apiKey, {});
  const recovered = Date.now();
  let firstStored = 0;
  const accepted = (): number => experiment.stats().metrics.accepted;
  const settled = (): boolean => {
    const m = experiment.stats().metrics;
    return m.pending === 0 && m.accepted + m.dropped + m.failed === m.enqueued;
  };
  while (!settled()) {
    await delay(5);
    if (firstStored === 0 && accepted() > 0) firstStored = Date.now();
  }
  const end = Date.now();
  const memory = collector.stats().memory;
  const dropped = experiment.stats().metrics.dropped;
  await collector.close();
  clearInterval(sampler);
  clearTimeout(warm);
  clearTimeout(liveFrom);
  sampleRss();
  gc();
  rss.end = process.memoryUsage.rss();
  const stats = await getJson<{ experiments: { slug: string; metrics: number }[] }>(`${server.url}/_emulator/stats`, server.apiKey);
  const stored = stats.experiments.find((e) => e.slug === slug)?.metrics ?? 0;
  if (stored !== logged - dropped) throw new Error(`the emulator stored ${stored} of ${logged - dropped} events`);
  const drainSeconds = Math.max(0.001, (end - (firstStored || end)) / 1000);
  return {
    logged,
    dropped,
    stored,
    rss,
    live,
    youngGeneration,
    firstStoredSeconds: ((firstStored || end) - recovered) / 1000,
    drainPerSecond: Math.round(stored / drainSeconds),
    spilled: memory?.spilledMetrics ?? 0,
  };
}

function rows(side: string, r: SideResult, spool: boolean): BenchResult[] {
  const mib = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;
  return [
    { name: `${NAME}, ${side}`, metric: `dropped (of ${r.logged.toLocaleString("en-US")} logged)`, value: r.dropped, unit: "events", ...(spool ? { target: { op: "<=", value: 0 } as const } : {}) },
    { name: `${NAME}, ${side}`, metric: "spilled to the spool", value: r.spilled, unit: "events" },
    { name: `${NAME}, ${side}`, metric: "RSS at start", value: mib(r.rss.start), unit: "MiB" },
    { name: `${NAME}, ${side}`, metric: "RSS after 10 s - start", value: mib(r.rss.warm - r.rss.start), unit: "MiB" },
    { name: `${NAME}, ${side}`, metric: "RSS peak - start", value: mib(r.rss.peak - r.rss.start), unit: "MiB", ...(spool ? { target: { op: "<=", value: 50 } as const } : {}) },
    { name: `${NAME}, ${side}`, metric: "RSS peak during the outage - after 10 s", value: mib(r.rss.outagePeak - r.rss.warm), unit: "MiB" },
    { name: `${NAME}, ${side}`, metric: "RSS peak (drain included) - after 10 s", value: mib(r.rss.peak - r.rss.warm), unit: "MiB" },
    { name: `${NAME}, ${side}`, metric: "RSS end (after gc) - start", value: mib(r.rss.end - r.rss.start), unit: "MiB" },
    { name: `${NAME}, ${side}`, metric: "live heap after gc: end of outage - a quarter in", value: mib(r.live.end - r.live.quarter), unit: "MiB" },
    {
      name: `${NAME}, ${side}`,
      metric: "live heap growth per event spilled meanwhile",
      value: Math.round((r.live.end - r.live.quarter) / Math.max(1, r.live.spilledEnd - r.live.spilledQuarter)),
      unit: "bytes",
    },
    { name: `${NAME}, ${side}`, metric: "V8 young generation at the end of the outage", value: mib(r.youngGeneration), unit: "MiB" },
    { name: `${NAME}, ${side}`, metric: "recovery → first batch stored", value: r.firstStoredSeconds, unit: "s" },
    { name: `${NAME}, ${side}`, metric: `drain of ${r.stored.toLocaleString("en-US")} stored`, value: r.drainPerSecond, unit: "events/s" },
  ];
}

export const outageSpillBench: BenchModule = {
  name: "spill: outage at a steady rate, spool vs memory only",
  async run() {
    const server = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
    const dir = await mkdtemp(path.join(tmpdir(), "bench-outage-spill-"));
    try {
      const results: BenchResult[] = [];
      for (const side of SIDES) {
        if (side === "spool") results.push(...rows("spool", await runSide(server, dir), true));
        else if (side === "memory") results.push(...rows("memory only", await runSide(server, false), false));
        else throw new Error(`BENCH_SPILL_SIDES: unknown side ${JSON.stringify(side)} (spool, memory)`);
      }
      return results;
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
