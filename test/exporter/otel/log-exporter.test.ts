/**
 * SyvainLogRecordExporter with the real SDK (LoggerProvider + BatchLogRecordProcessor) against the emulator.
 */
import { SeverityNumber } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { describe, expect, it } from "vitest";
import { SyvainLogRecordExporter } from "../../../src/exporter/log-exporter.ts";
import { createSyvainExporters } from "../../../src/exporter/otel/create-exporters.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { emulatorTarget, withEmulator } from "./helpers.ts";

describe("SyvainLogRecordExporter + BatchLogRecordProcessor", () => {
  it("stores log records as annotations with text and metadata intact", async () => {
    await withEmulator(async (emulator) => {
      const exporter = new SyvainLogRecordExporter(emulatorTarget(emulator));
      const provider = new LoggerProvider({
        resource: syvainResource({ slug: "logs-run" }),
        processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 3_600_000 })],
      });
      const logger = provider.getLogger("train");
      const timestamp = Date.UTC(2026, 10, 26, 7, 0, 0, 123);
      logger.emit({
        body: "epoch 3 done: new best checkpoint",
        timestamp,
        severityNumber: SeverityNumber.INFO,
        severityText: "INFO",
        eventName: "checkpoint",
        attributes: { epoch: 3, path: "/ckpt/3.pt", tags: ["best", "ema"], nested: { lr: 0.01 } },
      });
      logger.emit({ body: { kind: "config", batch_size: 64, layers: [4, 4] }, timestamp: timestamp + 1 });
      logger.emit({ body: "héllo ✓ 🎉", timestamp: timestamp + 2, severityNumber: SeverityNumber.WARN });
      await provider.forceFlush();

      const stored = emulator.store.annotations("logs-run");
      expect(stored.map((a) => a.text)).toEqual([
        "epoch 3 done: new best checkpoint",
        JSON.stringify({ kind: "config", batch_size: 64, layers: [4, 4] }),
        "héllo ✓ 🎉",
      ]);
      expect(stored[0]?.timestamp).toBe(timestamp);
      expect(stored[0]?.metadata).toMatchObject({
        epoch: 3,
        path: "/ckpt/3.pt",
        tags: ["best", "ema"],
        nested: { lr: 0.01 },
        "otel.severity_text": "INFO",
        "otel.severity_number": SeverityNumber.INFO,
        "otel.event_name": "checkpoint",
      });
      expect(stored[2]?.metadata).toMatchObject({ "otel.severity_number": SeverityNumber.WARN });
      expect(exporter.stats()[0]?.annotations).toMatchObject({ enqueued: 3, accepted: 3, pending: 0, invalid: 0 });
      await provider.shutdown();
    });
  });

  it("splits one batch across experiments by resource, and counts invalid records", async () => {
    await withEmulator(async (emulator) => {
      const exporter = new SyvainLogRecordExporter(emulatorTarget(emulator));
      const providers = ["worker-a", "worker-b"].map(
        (slug) => new LoggerProvider({ resource: syvainResource({ slug }), processors: [new BatchLogRecordProcessor({ exporter })] }),
      );
      providers.forEach((provider, index) => provider.getLogger("x").emit({ body: `hello from ${index}` }));
      providers[0]?.getLogger("x").emit({ body: "x".repeat(16_001) });
      for (const provider of providers) await provider.forceFlush();

      expect(emulator.store.annotations("worker-a").map((a) => a.text)).toEqual(["hello from 0"]);
      expect(emulator.store.annotations("worker-b").map((a) => a.text)).toEqual(["hello from 1"]);
      const invalid = Object.fromEntries(exporter.stats().map((s) => [s.slug, s.annotations.invalid]));
      expect(invalid).toEqual({ "worker-a": 1, "worker-b": 0 });
      for (const provider of providers) await provider.shutdown();
    });
  });

  it("shares experiments and outboxes between the metric and log exporters of createSyvainExporters", async () => {
    await withEmulator(async (emulator) => {
      const { metricExporter, logExporter, stats, shutdown } = createSyvainExporters(emulatorTarget(emulator));
      const resource = syvainResource({ slug: "both" });
      const reader = new SyvainMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
      const meters = new MeterProvider({ resource, readers: [reader] });
      const logs = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: logExporter })] });
      meters.getMeter("m").createGauge("loss").record(0.5, { step: 1 });
      logs.getLogger("l").emit({ body: "started" });
      await Promise.all([reader.forceFlush(), logs.forceFlush()]);

      expect(emulator.counters.requests["createExperiment"]).toBe(1);
      expect(stats()).toEqual([expect.objectContaining({ slug: "both", metrics: expect.objectContaining({ accepted: 1 }), annotations: expect.objectContaining({ accepted: 1 }) })]);
      // Shutting one exporter down leaves the other working.
      await meters.shutdown();
      logs.getLogger("l").emit({ body: "still logging" });
      await logs.forceFlush();
      expect(emulator.store.annotations("both").map((a) => a.text)).toEqual(["started", "still logging"]);
      await logs.shutdown();
      await shutdown();
      const refused = await new Promise<number>((resolve) => logExporter.export([], (result) => resolve(result.code)));
      expect(refused).toBe(ExportResultCode.FAILED);
    });
  });
});
