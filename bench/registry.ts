/** The benchmark modules `run.ts` runs, in order. Add a module here to have it in the table. */
import type { BenchModule } from "./bench-types.ts";
import { benchBridge } from "./bridge.bench.ts";
import { deliveryPathBench, endToEndBench } from "./end-to-end.bench.ts";
import { outboxEnqueueBench } from "./outbox-enqueue.bench.ts";
import { outboxMemoryBench } from "./outbox-memory.bench.ts";
import { recordPathBench } from "./facade-vs-otel-record.bench.ts";
import { otelEndToEndBench } from "./otel-e2e.bench.ts";

const bridgeBench: BenchModule = {
  name: "bridge",
  async run() {
    const results = await benchBridge(2);
    return results.map((r) => ({ name: r.name, metric: "decode + map", value: r.pointsPerSecond, unit: "points/s" }));
  },
};

export const benchModules: readonly BenchModule[] = [
  outboxEnqueueBench,
  recordPathBench,
  outboxMemoryBench,
  endToEndBench,
  deliveryPathBench,
  otelEndToEndBench,
  bridgeBench,
];
