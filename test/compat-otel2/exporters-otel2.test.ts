/**
 * Both exporters under the OpenTelemetry JS 2.x line (sdk-metrics 2.12, sdk-logs 0.223, api 1.9),
 * installed in this workspace's node_modules: imports below resolve there (checked by the first
 * test), while the exporters under test come from `src/` as usual.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { ExportResultCode } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { SyvainLogRecordExporter } from "../../src/exporter/log-exporter.ts";
import { SyvainMetricExporter } from "../../src/exporter/metric-exporter.ts";
import { createSyvainExporters } from "../../src/exporter/otel/create-exporters.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";

const require = createRequire(import.meta.url);
const workspaceModules = fileURLToPath(new URL("./node_modules/", import.meta.url));
/** The version of the package that `name` resolves to from this file (throws if it is not the workspace's). */
function versionOf(name: string): string {
  const entry = require.resolve(name);
  if (!entry.startsWith(workspaceModules + name + sep)) throw new Error(`${name} resolves outside the 2.x workspace: ${entry}`);
  return (JSON.parse(readFileSync(join(workspaceModules, name, "package.json"), "utf8")) as { version: string }).version;
}

async function withEmulator(run: (emulator: Emulator) => Promise<void>): Promise<void> {
  const emulator = await startEmulator();
  try {
    await run(emulator);
  } finally {
    await emulator.close();
  }
}

const resource = (slug: string) => resourceFromAttributes({ "syvain.experiment.slug": slug, "service.name": "compat", "config.lr": 0.1 });

describe("under the OpenTelemetry JS 2.x SDK", () => {
  it("really runs the 2.x packages", () => {
    expect(versionOf("@opentelemetry/sdk-metrics")).toMatch(/^2\./);
    expect(versionOf("@opentelemetry/sdk-logs")).toMatch(/^0\.2/);
    expect(versionOf("@opentelemetry/api")).toMatch(/^1\.9\./);
  });

  it("SyvainMetricExporter exports gauges (DELTA), counters (CUMULATIVE) and histograms", async () => {
    await withEmulator(async (emulator) => {
      const exporter = new SyvainMetricExporter({ apiKey: EMULATOR_API_KEY, host: emulator.url });
      const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, cardinalityLimits: { gauge: 10_000 } });
      const provider = new MeterProvider({ resource: resource("compat-metrics"), readers: [reader] });
      const meter = provider.getMeter("train");
      const loss = meter.createGauge("loss");
      const samples = meter.createCounter("samples");
      const latency = meter.createHistogram("latency");
      for (let step = 0; step < 3000; step++) loss.record(step / 10, { step, split: "train" });
      samples.add(5);
      latency.record(2);
      latency.record(6);
      await reader.forceFlush();
      samples.add(5);
      await reader.forceFlush();

      const steps = emulator.store.metrics("compat-metrics", { name: "loss" }).map((event) => event.step);
      expect(steps.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      expect(emulator.store.metrics("compat-metrics", { name: "samples" }).map((event) => event.value)).toEqual([5, 10]);
      expect(emulator.store.metrics("compat-metrics", { name: "latency.sum" }).map((event) => event.value)).toEqual([8]);
      expect(emulator.store.experiment("compat-metrics")?.metadata).toMatchObject({ config: { lr: 0.1 }, service: { name: "compat" } });
      await provider.shutdown();
    });
  });

  it("SyvainLogRecordExporter exports log records as annotations", async () => {
    await withEmulator(async (emulator) => {
      const exporter = new SyvainLogRecordExporter({ apiKey: EMULATOR_API_KEY, host: emulator.url });
      const provider = new LoggerProvider({ resource: resource("compat-logs"), processors: [new BatchLogRecordProcessor({ exporter })] });
      provider.getLogger("train").emit({ body: "epoch 1", severityNumber: SeverityNumber.INFO, attributes: { epoch: 1 } });
      provider.getLogger("train").emit({ body: { kind: "summary", best: 0.93 } });
      await provider.forceFlush();
      const stored = emulator.store.annotations("compat-logs");
      expect(stored.map((a) => a.text)).toEqual(["epoch 1", '{"kind":"summary","best":0.93}']);
      expect(stored[0]?.metadata).toMatchObject({ epoch: 1, "otel.severity_number": SeverityNumber.INFO });
      await provider.shutdown();
    });
  });

  it("reports failures through the 2.x result codes (exports after shutdown)", async () => {
    const { metricExporter, shutdown } = createSyvainExporters({ sink: () => ({ deliver: () => Promise.reject(new Error("unused")), close: () => Promise.resolve() }) });
    await shutdown();
    const code = await new Promise<number>((resolve) => metricExporter.export({ resource: resource("late"), scopeMetrics: [] }, (result) => resolve(result.code)));
    expect(code).toBe(ExportResultCode.FAILED);
  });
});
