/**
 * `experiment.metric()` alone, per argument shape, over a `NoopCollector` (no I/O): what validation,
 * the id, the timestamp and the metadata copy cost for the calls a training loop makes. The
 * side-by-side with OTel's `gauge.record()` is `facade-vs-otel-record.bench.ts`; this module shows
 * which shape pays for what. Each round queues `PER_ROUND` events (a new step each) per shape and
 * the queues are drained between rounds, outside the clock; median of the rounds after the JIT warm-up.
 */
import { NoopCollector, type Experiment } from "../src/facade/index.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";

const PER_ROUND = 20_000;
const ROUNDS = 30;
const WARM_UP_ROUNDS = 5;
const FIXED_MS = 1_700_000_000_000;

interface Shape {
  label: string;
  call: (experiment: Experiment, step: number) => void;
  targetNs?: number;
}

const shapes: Shape[] = [
  { label: "{ step }", call: (e, step) => e.metric("train/loss", step * 1e-6, { step }) },
  {
    label: "{ step, metadata: { split } }",
    call: (e, step) => e.metric("train/loss", step * 1e-6, { step, metadata: { split: "train" } }),
    targetNs: 300,
  },
  {
    label: "{ step, metadata: { split, rank, ema }, timestamp }",
    call: (e, step) => e.metric("train/loss", step * 1e-6, { step, metadata: { split: "train", rank: 0, ema: true }, timestamp: FIXED_MS + step }),
  },
  { label: "{ step: null, timestamp: Date }", call: (e, step) => e.metric("eval/acc", step * 1e-6, { step: null, timestamp: new Date(FIXED_MS + step) }) },
];

/** One experiment per shape, the shapes taking turns round by round so a noisy neighbour hits them alike. */
async function measureShapes(): Promise<number[]> {
  const collector = new NoopCollector({ flushDelaySeconds: 3600, maxQueueItems: PER_ROUND });
  const experiments = await Promise.all(shapes.map((_, i) => collector.experiment(`bench-metric-${i}`)));
  const samples: number[][] = shapes.map(() => []);
  let step = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, shape] of shapes.entries()) {
      const experiment = experiments[index]!;
      const start = process.hrtime.bigint();
      for (let i = 0; i < PER_ROUND; i++) shape.call(experiment, step + i);
      const ns = Number(process.hrtime.bigint() - start) / PER_ROUND;
      await experiment.flush();
      if (round >= WARM_UP_ROUNDS) samples[index]!.push(ns);
    }
    step += PER_ROUND;
  }
  for (const [index, experiment] of experiments.entries()) {
    const stats = experiment.stats().metrics;
    if (stats.accepted !== step || stats.dropped !== 0) throw new Error(`${shapes[index]!.label}: ${stats.accepted} of ${step} accepted, ${stats.dropped} dropped`);
  }
  await collector.close();
  return samples.map(median);
}

export const facadeMetricBench: BenchModule = {
  name: "facade metric() by shape",
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    const medians = await measureShapes();
    for (const [index, shape] of shapes.entries()) {
      const ns = Math.round(medians[index]!);
      const target = shape.targetNs === undefined ? {} : { target: { op: "<=" as const, value: shape.targetNs } };
      results.push({ name: `metric() ${shape.label}`, metric: "time per call (median)", value: ns, unit: "ns/op", ...target });
    }
    return results;
  },
};
