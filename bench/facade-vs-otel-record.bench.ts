/**
 * Hot-path cost, side by side: `experiment.metric()` (validation, id, enqueue) against the OTel
 * SDK's `gauge.record()` with the same attributes (`{ step, split }`, a new step every call). No I/O
 * on either side:
 * - the facade runs over a `NoopCollector` whose background flush never fires during a round
 *   (`flushDelaySeconds` 3600); the queue is drained between rounds, outside the clock;
 * - the gauge lives on a MeterProvider whose reader only collects when asked: each round records
 *   `PER_ROUND` new steps into the SDK's per-interval map (one entry per attribute set, as a real
 *   training loop does between two exports), then `collect()` (DELTA) empties it, outside the clock.
 *   The cardinality limit is raised to `PER_ROUND` so no point is folded into the overflow series
 *   (that shortcut would make the SDK look cheaper by losing steps).
 * Both loops are the same shape, run alternately, median of the later rounds (JIT warm-up).
 */
import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { NoopCollector } from "../src/facade/index.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";

const PER_ROUND = 50_000;
const ROUNDS = 16;
const WARM_UP_ROUNDS = 4;

class CollectOnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function nsPerOp(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / PER_ROUND;
}

export async function measureRecordPaths(): Promise<{ facadeNs: number; otelNs: number }> {
  const collector = new NoopCollector({ flushDelaySeconds: 3600, maxQueueItems: PER_ROUND });
  const experiment = await collector.experiment("bench-record");
  const reader = new CollectOnDemandReader({
    aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
    cardinalitySelector: () => PER_ROUND + 1, // the limit counts the SDK's overflow series
  });
  const provider = new MeterProvider({ readers: [reader] });
  const gauge = provider.getMeter("bench").createGauge("train.loss");

  const facadeSamples: number[] = [];
  const otelSamples: number[] = [];
  let step = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const first = step;
    let start = process.hrtime.bigint();
    for (let i = 0; i < PER_ROUND; i++) experiment.metric("train/loss", i * 1e-6, { step: first + i, metadata: { split: "train" } });
    const facadeNs = nsPerOp(start);
    await experiment.flush();

    start = process.hrtime.bigint();
    for (let i = 0; i < PER_ROUND; i++) gauge.record(i * 1e-6, { step: first + i, split: "train" });
    const otelNs = nsPerOp(start);
    const { resourceMetrics } = await reader.collect();
    const points = resourceMetrics.scopeMetrics[0]?.metrics[0]?.dataPoints.length;
    if (points !== PER_ROUND) throw new Error(`the SDK kept ${points} of ${PER_ROUND} points`);

    step += PER_ROUND;
    if (round >= WARM_UP_ROUNDS) {
      facadeSamples.push(facadeNs);
      otelSamples.push(otelNs);
    }
  }
  const stats = experiment.stats().metrics;
  if (stats.accepted !== step || stats.dropped !== 0) throw new Error(`facade: ${stats.accepted} of ${step} accepted, ${stats.dropped} dropped`);
  await provider.shutdown();
  await collector.close();
  return { facadeNs: median(facadeSamples), otelNs: median(otelSamples) };
}

export const recordPathBench: BenchModule = {
  name: "record: facade vs OTel gauge",
  async run(): Promise<BenchResult[]> {
    const { facadeNs, otelNs } = await measureRecordPaths();
    const name = `metric() vs gauge.record(), {step, split}, ${PER_ROUND / 1000}k new steps/round`;
    return [
      { name: "experiment.metric() (NoopCollector)", metric: "time per call (median)", value: Math.round(facadeNs), unit: "ns/op" },
      { name: "OTel SDK gauge.record()", metric: "time per call (median)", value: Math.round(otelNs), unit: "ns/op" },
      { name, metric: "OTel time / facade time", value: round2(otelNs / facadeNs), unit: "x", target: { op: ">=", value: 1 } },
    ];
  },
};

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
