/**
 * Heap per queued event with 100,000 facade-like metric events waiting in one outbox (the events
 * themselves included: that is what a user's process pays). Needs `--expose-gc`.
 */
import { Outbox } from "../src/delivery/outbox.ts";
import { createNoopSink } from "../src/delivery/noop-sink.ts";
import type { BenchModule } from "./bench-types.ts";
import { facadeLikeEvent } from "./facade-like-events.ts";

const QUEUED = 100_000;

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc (npm run bench does)");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export const outboxMemoryBench: BenchModule = {
  name: "outbox memory",
  async run() {
    const outbox = new Outbox({ sink: createNoopSink(), flushDelaySeconds: 3600, maxQueueItems: QUEUED });
    const before = heapAfterGc();
    const start = 1_700_000_000_000;
    for (let i = 0; i < QUEUED; i++) outbox.enqueueMetric(facadeLikeEvent("Xq3vB7pLm2Rt9sKa", i, start + i));
    const after = heapAfterGc();
    const pending = outbox.stats().metrics.pending;
    if (pending !== QUEUED) throw new Error(`expected ${QUEUED} queued, found ${pending}`);
    await outbox.close({ timeoutSeconds: 0 });
    return [{ name: "queued event (100k queued)", metric: "heap per event, event included", value: Math.round((after - before) / QUEUED), unit: "bytes", target: { op: "<=", value: 250 } }];
  },
};
