/**
 * SyvainMetricExporter with the real SDK (MeterProvider + the reader factory) against the emulator.
 */
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { ExportResultCode } from "@opentelemetry/core";
import { describe, expect, it } from "vitest";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { SyvainMetricExporter } from "../../../src/exporter/metric-exporter.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { ManualReader, emulatorTarget, exportOnce, withEmulator } from "./helpers.ts";

const STEPS = 10_000;

describe("SyvainMetricExporter + SyvainMetricReader", () => {
  it("stores 10,000 gauge steps recorded within one interval, each once, with step, metadata and time", async () => {
    await withEmulator(async (emulator) => {
      // An interval far longer than the test: only forceFlush() exports.
      const reader = new SyvainMetricReader({ ...emulatorTarget(emulator), exportIntervalMillis: 3_600_000 });
      const provider = new MeterProvider({ resource: syvainResource({ slug: "gauge-run" }), readers: [reader] });
      const loss = provider.getMeter("train").createGauge("loss");
      const recordedFrom = Date.now();
      for (let step = 0; step < STEPS; step++) loss.record(1 / (step + 1), { step, split: step % 2 === 0 ? "train" : "eval" });
      await reader.forceFlush();
      const exportedBy = Date.now();

      const stored = emulator.store.metrics("gauge-run", { name: "loss" });
      expect(stored).toHaveLength(STEPS);
      const steps = stored.map((event) => event.step).sort((a, b) => (a ?? 0) - (b ?? 0));
      expect(steps).toEqual(Array.from({ length: STEPS }, (_, i) => i));
      for (const event of stored) {
        const step = event.step ?? -1;
        expect(event.value).toBe(1 / (step + 1));
        expect(event.metadata).toEqual({ split: step % 2 === 0 ? "train" : "eval" });
        expect(event.timestamp).toBeGreaterThanOrEqual(recordedFrom);
        expect(event.timestamp).toBeLessThanOrEqual(exportedBy);
      }
      expect(emulator.counters.duplicatesSuppressed).toBe(0);
      const [stats] = reader.exporter.stats();
      expect(stats).toMatchObject({ slug: "gauge-run", metrics: { enqueued: STEPS, accepted: STEPS, pending: 0, failed: 0, dropped: 0, invalid: 0 } });

      // DELTA: the next interval exports nothing new (no step is sent twice).
      await reader.forceFlush();
      expect(emulator.store.metrics("gauge-run")).toHaveLength(STEPS);
      await provider.shutdown();
    });
  });

  it("deduplicates the same data exported twice", async () => {
    await withEmulator(async (emulator) => {
      const exporter = new SyvainMetricExporter(emulatorTarget(emulator));
      const reader = new ManualReader({ aggregationTemporalitySelector: (type) => exporter.selectAggregationTemporality(type) });
      const provider = new MeterProvider({ resource: syvainResource({ slug: "twice" }), readers: [reader] });
      const accuracy = provider.getMeter("eval").createGauge("accuracy");
      for (let step = 0; step < 100; step++) accuracy.record(step / 100, { step });
      const { resourceMetrics } = await reader.collect();

      expect((await exportOnce(exporter, resourceMetrics)).code).toBe(ExportResultCode.SUCCESS);
      await exporter.forceFlush();
      expect((await exportOnce(exporter, resourceMetrics)).code).toBe(ExportResultCode.SUCCESS);
      await exporter.forceFlush();

      expect(emulator.store.metrics("twice")).toHaveLength(100);
      expect(emulator.counters.duplicatesSuppressed).toBe(100);
      expect(exporter.stats()[0]?.metrics).toMatchObject({ enqueued: 200, accepted: 200, duplicates: 100 });
      await provider.shutdown();
      await exporter.shutdown();
    });
  });

  it("sends a counter as a running total and a histogram as count/sum/min/max", async () => {
    await withEmulator(async (emulator) => {
      const reader = new SyvainMetricReader({ ...emulatorTarget(emulator), exportIntervalMillis: 3_600_000 });
      const provider = new MeterProvider({ resource: syvainResource({ slug: "kinds" }), readers: [reader] });
      const meter = provider.getMeter("train");
      const samples = meter.createCounter("samples");
      const latency = meter.createHistogram("batch_latency");
      samples.add(32);
      samples.add(32);
      for (const value of [0.5, 2, 1.5]) latency.record(value);
      await reader.forceFlush();
      samples.add(16);
      latency.record(4);
      await reader.forceFlush();

      const totals = emulator.store.metrics("kinds", { name: "samples" }).map((event) => event.value);
      expect(totals).toEqual([64, 80]);
      const valuesOf = (name: string): number[] => emulator.store.metrics("kinds", { name }).map((event) => event.value);
      // DELTA histograms: each interval's own distribution.
      expect(valuesOf("batch_latency.count")).toEqual([3, 1]);
      expect(valuesOf("batch_latency.sum")).toEqual([4, 4]);
      expect(valuesOf("batch_latency.min")).toEqual([0.5, 4]);
      expect(valuesOf("batch_latency.max")).toEqual([2, 4]);
      await provider.shutdown();
    });
  });

  it("maps several resources to several experiments, resource attributes to experiment metadata", async () => {
    await withEmulator(async (emulator) => {
      const exporter = new SyvainMetricExporter(emulatorTarget(emulator));
      const runs = [
        { slug: "sweep-lr-0.1", meta: { config: { lr: 0.1, layers: 4 }, team: "vision" } },
        { slug: "sweep-lr-0.01", meta: { config: { lr: 0.01, layers: 4 }, team: "vision" } },
      ];
      const providers = runs.map(({ slug, meta }) => {
        const reader = new SyvainMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
        const provider = new MeterProvider({ resource: syvainResource({ slug, description: `lr sweep ${slug}`, meta }), readers: [reader] });
        provider.getMeter("train").createGauge("loss").record(1, { step: 0 });
        return { provider, reader };
      });
      for (const { reader } of providers) await reader.forceFlush();

      for (const { slug, meta } of runs) {
        const experiment = emulator.store.experiment(slug);
        expect(experiment?.description).toBe(`lr sweep ${slug}`);
        expect(experiment?.metadata).toMatchObject(meta);
        // The SDK's default resource stays (merged, not replaced).
        expect(experiment?.metadata).toHaveProperty(["telemetry", "sdk", "language"], "nodejs");
        expect(emulator.store.metrics(slug)).toHaveLength(1);
      }
      expect(exporter.stats().map((s) => s.slug)).toEqual(runs.map((r) => r.slug).sort());
      for (const { provider } of providers) await provider.shutdown();
    });
  });
});
