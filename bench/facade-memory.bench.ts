/**
 * Memory through the facade (`experiment.metric()`, validation and ids included):
 * - heap per queued event with 100,000 events waiting in a `NoopCollector` experiment whose flush
 *   never fires (the events themselves included: that is what a user's process pays);
 * - RSS and heap growth over 1,000,000 events sent to the emulator (in its own process) with the
 *   default queue bound: after a 100k-event warm-up (JIT, connections, buffers), a loop that waits
 *   for the queue to drain below half its bound before going on, as a training loop's own pace would.
 *   RSS is also compared between the halves: growth that stops (allocator and V8 keeping pages
 *   they used once) is not a leak; growth that goes on would be.
 * Needs `--expose-gc`.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { Collector, NoopCollector, type Experiment } from "../src/facade/index.ts";
import type { BenchModule, BenchResult } from "./bench-types.ts";
import { startChildServer } from "./child-server.ts";

const QUEUED = 100_000;
const SENT = Number(process.env.BENCH_RSS_EVENTS ?? 1_000_000);
const WARM_UP = 100_000;

function afterGc(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc (npm run bench does)");
  gc();
  gc();
  return process.memoryUsage();
}

async function heapPerQueuedEvent(): Promise<number> {
  const collector = new NoopCollector({ flushDelaySeconds: 3600, maxQueueItems: QUEUED });
  const experiment = await collector.experiment("bench-memory");
  const before = afterGc().heapUsed;
  for (let i = 0; i < QUEUED; i++) experiment.metric("train/loss", i * 1e-6, { step: i, metadata: { split: "train" } });
  const after = afterGc().heapUsed;
  const pending = experiment.stats().metrics.pending;
  if (pending !== QUEUED) throw new Error(`expected ${QUEUED} queued, found ${pending}`);
  await collector.close();
  return (after - before) / QUEUED;
}

async function send(experiment: Experiment, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    experiment.metric("train/loss", i * 1e-6, { step: i, metadata: { split: "train" } });
    if (i % 10_000 === 9_999) {
      await yieldToLoop();
      while (experiment.stats().metrics.pending > 50_000) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  await experiment.flushOrRaise();
}

async function growthOverSentEvents(): Promise<{ rss: number; rssSecondHalf: number; heap: number }> {
  const emulator = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
  // Memory only: the spool has its own memory rows (outage spill); a default Collector would spool into the user state directory.
  const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: false });
  try {
    const experiment = await collector.experiment(`bench-rss-${Date.now()}`);
    await send(experiment, 0, WARM_UP);
    const before = afterGc();
    await send(experiment, WARM_UP, SENT / 2);
    const half = afterGc();
    await send(experiment, WARM_UP + SENT / 2, SENT / 2);
    const after = afterGc();
    const { accepted, dropped } = experiment.stats().metrics;
    if (accepted !== WARM_UP + SENT || dropped !== 0) throw new Error(`accepted ${accepted}, dropped ${dropped} of ${WARM_UP + SENT}`);
    return { rss: after.rss - before.rss, rssSecondHalf: after.rss - half.rss, heap: after.heapUsed - before.heapUsed };
  } finally {
    await collector.close();
    await emulator.stop();
  }
}

export const facadeMemoryBench: BenchModule = {
  name: "facade memory",
  async run(): Promise<BenchResult[]> {
    const perEvent = await heapPerQueuedEvent();
    const growth = await growthOverSentEvents();
    const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
    const sent = `${SENT / 1e6}M events sent`;
    return [
      { name: "facade metric(), 100k queued", metric: "heap per queued event, event included", value: Math.round(perEvent), unit: "bytes", target: { op: "<=", value: 250 } },
      { name: `facade metric() → emulator, ${sent}`, metric: "RSS growth (after gc)", value: mib(growth.rss), unit: "MiB" },
      { name: `facade metric() → emulator, ${sent}`, metric: "RSS growth over the second half", value: mib(growth.rssSecondHalf), unit: "MiB" },
      { name: `facade metric() → emulator, ${sent}`, metric: "heap growth (after gc)", value: mib(growth.heap), unit: "MiB" },
    ];
  },
};
