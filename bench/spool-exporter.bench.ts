/**
 * What `spoolDir` costs the OTel exporters: a MeterProvider with a `SyvainMetricReader`, gauge
 * points with a `step` attribute, recorded, collected, exported and drained to the emulator
 * (`provider.forceFlush()`), with the spool on and off. Rounds alternate, so a noisy neighbour hits
 * both alike. Target (issue 11's end-to-end goal, applied to the exporters): at least 90 % of the
 * points/s without the spool.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { SyvainMetricReader } from "../src/exporter/reader.ts";
import { syvainResource } from "../src/exporter/otel/syvain-resource.ts";
import { startEmulator } from "../src/testing/index.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";

const PER_ROUND = 20_000;
const ROUNDS = 16;
const WARM_UP_ROUNDS = 4;

export const spoolExporterBench: BenchModule = {
  name: "otel exporter with the spool",
  async run(): Promise<BenchResult[]> {
    const emulator = await startEmulator();
    const dir = mkdtempSync(path.join(tmpdir(), "syvain-spool-exporter-bench-"));
    try {
      // Exports only when the round asks (forceFlush): the interval never fires during a round.
      const common = { apiKey: emulator.apiKey, host: emulator.url, flushDelaySeconds: 0.01, maxQueueItems: PER_ROUND * 2, exportIntervalMillis: 3_600_000 };
      const runs = [
        { provider: providerFor("bench-otel-spool-off", { ...common, spoolDir: false }), rates: [] as number[] },
        { provider: providerFor("bench-otel-spool-on", { ...common, spoolDir: dir }), rates: [] as number[] },
      ];
      let step = 0;
      for (let round = 0; round < ROUNDS; round++) {
        for (const run of round % 2 ? runs : [...runs].reverse()) {
          const rate = await measureRound(run.provider, step);
          if (round >= WARM_UP_ROUNDS) run.rates.push(rate);
        }
        step += PER_ROUND;
      }
      await Promise.all(runs.map((r) => r.provider.shutdown()));
      for (const slug of ["bench-otel-spool-off", "bench-otel-spool-on"]) {
        const stored = emulator.store.metrics(slug).length;
        if (stored !== ROUNDS * PER_ROUND) throw new Error(`${slug}: the emulator has ${stored} of ${ROUNDS * PER_ROUND} points`);
      }
      const [off, on] = runs.map((r) => median(r.rates));
      return [
        { name: "exporter end-to-end spool off", metric: "points/s (median)", value: Math.round(off!), unit: "points/s" },
        { name: "exporter end-to-end spool on", metric: "points/s (median)", value: Math.round(on!), unit: "points/s" },
        { name: "exporter end-to-end spool on / off", metric: "points/s ratio", value: Math.round((on! / off!) * 100) / 100, unit: "x", target: { op: ">=", value: 0.9 } },
      ];
    } finally {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function providerFor(slug: string, options: ConstructorParameters<typeof SyvainMetricReader>[0]): MeterProvider {
  return new MeterProvider({ resource: syvainResource({ slug }), readers: [new SyvainMetricReader(options)] });
}

/** Points/s from the first `record()` until every point of the round is delivered. */
async function measureRound(provider: MeterProvider, step: number): Promise<number> {
  const gauge = provider.getMeter("bench").createGauge("train/loss");
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) gauge.record(i * 1e-6, { step: step + i });
  await provider.forceFlush();
  return PER_ROUND / (Number(process.hrtime.bigint() - start) / 1e9);
}
