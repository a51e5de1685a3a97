/** Shared pieces of the exporter tests: an emulator per test, and export() as a promise. */
import type { ExportResult } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { EMULATOR_API_KEY, startEmulator, type Emulator, type EmulatorOptions } from "syvain-metrics-otel/testing";

export async function withEmulator<T>(run: (emulator: Emulator) => Promise<T>, options?: EmulatorOptions): Promise<T> {
  const emulator = await startEmulator(options);
  try {
    return await run(emulator);
  } finally {
    await emulator.close();
  }
}

export function emulatorTarget(emulator: Emulator): { apiKey: string; host: string } {
  return { apiKey: EMULATOR_API_KEY, host: emulator.url };
}

/**
 * Calls an exporter's `export()` and resolves with the first result. `calls()` keeps counting
 * callback calls: check it only after `shutDownAndDrain()`, when a wrong second call would have come.
 */
export function exportOnce<T>(
  exporter: { export(data: T, callback: (result: ExportResult) => void): void },
  data: T,
): Promise<ExportResult & { calls: () => number }> {
  return new Promise((resolve) => {
    let calls = 0;
    exporter.export(data, (result) => {
      calls += 1;
      if (calls === 1) resolve({ ...result, calls: () => calls });
    });
  });
}

/** Lets pending promise jobs, I/O callbacks and immediates run for a few turns of the event loop. */
export async function drainPendingWork(turns = 10): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Flushes and shuts the exporter down (shutdown answers every export still waiting), then drains
 * the event loop: every path that could call an export's callback late has run by then, so a
 * callback count checked afterwards is final.
 */
export async function shutDownAndDrain(exporter: { forceFlush(): Promise<void>; shutdown(): Promise<void> }): Promise<void> {
  await exporter.forceFlush();
  await exporter.shutdown();
  await drainPendingWork();
}

/** A reader that exports only when asked: `collect()` gives the SDK's `ResourceMetrics`. */
export class ManualReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * What the SDK exports for a gauge recorded at steps `from .. from + steps - 1` (value = step).
 * The cardinality limit is raised past `steps` (the SDK's default, 2,000, would fold the last
 * steps into its overflow series, which takes the limit's last slot).
 */
export async function collectGauge(resource: Resource, steps: number, from = 0): Promise<ResourceMetrics> {
  const reader = new ManualReader({ cardinalitySelector: () => Math.max(2000, steps + 1) });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const gauge = provider.getMeter("t").createGauge("loss");
  for (let step = from; step < from + steps; step++) gauge.record(step, { step });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}
