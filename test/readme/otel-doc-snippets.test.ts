/**
 * docs/otel.md's "without the helpers" sample, verbatim between `// snippet` and `// end snippet`:
 * the exporters as plain OTel components, wired by hand into the SDK, delivering to the emulator.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { SyvainLogRecordExporter, SyvainMetricExporter } from "syvain-metrics-otel/otel";
import { startEmulator, type Emulator } from "syvain-metrics-otel/testing";

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator();
  vi.stubEnv("SYVAIN_METRICS_HOST", emulator.url);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await emulator.close();
});

describe("docs/otel.md: the exporters without the helpers", () => {
  it("delivers gauge points and log records into one experiment", async () => {
    const apiKey = emulator.apiKey;
    // snippet
    const exporter = new SyvainMetricExporter({ apiKey, slug: "my-run" });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 5_000, cardinalityLimits: { gauge: 100_000 } });
    const logs = new BatchLogRecordProcessor({ exporter: new SyvainLogRecordExporter({ apiKey, slug: "my-run" }) });
    // end snippet
    const meterProvider = new MeterProvider({ readers: [reader] });
    const loggerProvider = new LoggerProvider({ processors: [logs] });
    const loss = meterProvider.getMeter("train").createGauge("loss");
    for (let step = 0; step < 10; step++) loss.record(1 / (step + 1), { step });
    loggerProvider.getLogger("train").emit({ body: "checkpoint", attributes: { step: 9 } });
    await meterProvider.shutdown();
    await loggerProvider.shutdown();
    expect(emulator.store.metrics("my-run", { name: "loss" }).map((e) => e.step).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(emulator.store.annotations("my-run").map((a) => a.text)).toEqual(["checkpoint"]);
  });
});
