/** The benchmark modules `run.ts` runs, in order. Add a module here to have it in the table. */
import type { BenchModule } from "./bench-types.ts";
import { bridgeBenchModule } from "./bridge.bench.ts";
import { bridgeEndToEndBench } from "./bridge-e2e.bench.ts";
import { bridgeLimitsBench } from "./bridge-limits.bench.ts";
import { bridgeSpoolBench } from "./bridge-spool.bench.ts";
import { bridgeExperimentsBench } from "./bridge-experiments.bench.ts";
import { decoderComparisonBench } from "./decoder-vs-protobufjs.bench.ts";
import { deliveryPathBench, endToEndBench } from "./end-to-end.bench.ts";
import { outboxEnqueueBench } from "./outbox-enqueue.bench.ts";
import { outboxMemoryBench } from "./outbox-memory.bench.ts";
import { recordPathBench } from "./facade-vs-otel-record.bench.ts";
import { facadeMetricBench } from "./facade-metric.bench.ts";
import { otelEndToEndBench } from "./otel-e2e.bench.ts";
import { bodyTextBench } from "./ingest-body-text.bench.ts";
import { facadeVsBareClientBench } from "./facade-vs-bare-client.bench.ts";
import { facadeMemoryBench } from "./facade-memory.bench.ts";
import { exitBench } from "./exit.bench.ts";
import { viewerBench } from "./viewer.bench.ts";
import { spoolAppendBench } from "./spool-append.bench.ts";
import { spoolMetricBench } from "./spool-metric.bench.ts";
import { spoolExporterBench } from "./spool-exporter.bench.ts";
import { importTimeBench } from "./import-time.bench.ts";
import { outageDrainBench } from "./outage-drain.bench.ts";
import { outageSpillBench } from "./outage-spill.bench.ts";
import { syncKeptRunBench } from "./sync-kept-run.bench.ts";
import { shutdownDeadlinesBench } from "./shutdown-deadlines.bench.ts";

export const benchModules: readonly BenchModule[] = [
  outboxEnqueueBench,
  recordPathBench,
  facadeMetricBench,
  outboxMemoryBench,
  facadeMemoryBench,
  endToEndBench,
  deliveryPathBench,
  otelEndToEndBench,
  bodyTextBench,
  facadeVsBareClientBench,
  bridgeBenchModule,
  decoderComparisonBench,
  bridgeEndToEndBench,
  bridgeLimitsBench,
  bridgeSpoolBench,
  bridgeExperimentsBench,
  exitBench,
  viewerBench,
  spoolAppendBench,
  spoolMetricBench,
  spoolExporterBench,
  importTimeBench,
  outageDrainBench,
  outageSpillBench,
  syncKeptRunBench,
  shutdownDeadlinesBench,
];
