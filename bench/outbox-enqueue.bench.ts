/**
 * `Outbox.enqueueMetric` cost: 100,000 pre-built events into a fresh outbox whose background
 * timer never fires during the measurement (flushDelaySeconds 3600), median of several rounds.
 */
import { Outbox } from "../src/delivery/outbox.ts";
import { createNoopSink } from "../src/delivery/noop-sink.ts";
import { median, type BenchModule } from "./bench-types.ts";
import { facadeLikeEvent } from "./facade-like-events.ts";

const PER_ROUND = 100_000;

export const outboxEnqueueBench: BenchModule = {
  name: "outbox enqueue",
  async run() {
    const events = Array.from({ length: PER_ROUND }, (_, i) => facadeLikeEvent("bench", i, 1_700_000_000_000 + i));
    const samples: number[] = [];
    for (let round = 0; round < 25; round++) {
      const outbox = new Outbox({ sink: createNoopSink(), flushDelaySeconds: 3600, maxQueueItems: PER_ROUND });
      const start = process.hrtime.bigint();
      for (let i = 0; i < PER_ROUND; i++) outbox.enqueueMetric(events[i]!);
      const elapsed = Number(process.hrtime.bigint() - start);
      if (round >= 5) samples.push(elapsed / PER_ROUND); // the first rounds warm up the JIT
      await outbox.close({ timeoutSeconds: 0 });
    }
    return [{ name: "Outbox.enqueueMetric", metric: "time per call (median)", value: Math.round(median(samples)), unit: "ns/op", target: { op: "<=", value: 250 } }];
  },
};
