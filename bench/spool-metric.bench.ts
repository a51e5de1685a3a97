/**
 * What the spool costs the facade: `experiment.metric()` with the Collector's spool on and off
 * (rounds interleaved, so a noisy neighbour hits both alike), and end-to-end events/s to the
 * emulator (metric() calls plus the drain) with and without it. Targets (issue 11): metric() with
 * the spool at most 10 % slower, end-to-end at least 90 % of the rate without.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Collector, type Experiment } from "../src/facade/index.ts";
import { startEmulator } from "../src/testing/index.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";

const PER_ROUND = 20_000;
const ROUNDS = 20;
const WARM_UP_ROUNDS = 4;

export const spoolMetricBench: BenchModule = {
  name: "facade metric() with the spool",
  async run(): Promise<BenchResult[]> {
    const emulator = await startEmulator();
    const dir = mkdtempSync(path.join(tmpdir(), "syvain-spool-bench-"));
    try {
      const options = { host: emulator.url, flushDelaySeconds: 0.01, maxQueueItems: PER_ROUND * 2 };
      const off = new Collector(emulator.apiKey, { ...options, spoolDir: false });
      const on = new Collector(emulator.apiKey, { ...options, spoolDir: dir });
      const runs = [
        { experiment: await off.experiment("bench-spool-off"), call: [] as number[], e2e: [] as number[] },
        { experiment: await on.experiment("bench-spool-on"), call: [] as number[], e2e: [] as number[] },
      ];
      let step = 0;
      for (let round = 0; round < ROUNDS; round++) {
        for (const run of round % 2 ? runs : [...runs].reverse()) {
          const { callNs, eventsPerSecond } = await measureRound(run.experiment, step);
          if (round >= WARM_UP_ROUNDS) {
            run.call.push(callNs);
            run.e2e.push(eventsPerSecond);
          }
        }
        step += PER_ROUND;
      }
      await Promise.all([off.close(), on.close()]);
      const [offRun, onRun] = runs.map((r) => ({ call: median(r.call), e2e: median(r.e2e) }));
      return [
        { name: "metric() spool off", metric: "time per call (median)", value: Math.round(offRun!.call), unit: "ns/op" },
        { name: "metric() spool on", metric: "time per call (median)", value: Math.round(onRun!.call), unit: "ns/op" },
        { name: "metric() spool on / off", metric: "ratio", value: round2(onRun!.call / offRun!.call), unit: "x", target: { op: "<=", value: 1.1 } },
        { name: "end-to-end spool on / off", metric: "events/s ratio", value: round2(onRun!.e2e / offRun!.e2e), unit: "x", target: { op: ">=", value: 0.9 } },
      ];
    } finally {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

async function measureRound(experiment: Experiment, step: number): Promise<{ callNs: number; eventsPerSecond: number }> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) experiment.metric("train/loss", i * 1e-6, { step: step + i });
  const called = process.hrtime.bigint();
  await experiment.flushOrRaise();
  const drained = process.hrtime.bigint();
  return { callNs: Number(called - start) / PER_ROUND, eventsPerSecond: PER_ROUND / (Number(drained - start) / 1e9) };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
