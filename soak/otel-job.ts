/**
 * The OTel SDK job: a MeterProvider with `SyvainMetricReader` (a `train.loss` gauge and a
 * `grad.norm` histogram per step, so `.count/.sum/.min/.max` too) and a LoggerProvider with a
 * BatchLogRecordProcessor, both on `createSyvainExporters` (one experiment, one outbox) with a
 * spool directory. Drained with the providers' `forceFlush()`.
 */
import { join } from "node:path";
import { SeverityNumber } from "@opentelemetry/api";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { createSyvainExporters } from "../src/exporter/otel/create-exporters.ts";
import { syvainResource } from "../src/exporter/otel/syvain-resource.ts";
import { SyvainMetricReader } from "../src/exporter/reader.ts";
import { countsFromExportStats } from "./export-counts.ts";
import { tickUntil, type SoakJob } from "./job.ts";
import { Ledger } from "./ledger.ts";

const STEPS_PER_TICK = 5;

export function createOtelJob(options: { runId: string; host: string; apiKey: string; spoolRoot: string }): SoakJob {
  const source = "otel-sdk";
  const slug = `soak-${options.runId}-${source}`;
  const spoolDir = join(options.spoolRoot, source);
  const exporters = createSyvainExporters({ host: options.host, apiKey: options.apiKey, flushTimeoutSeconds: 120, spoolDir });
  const resource = syvainResource({ slug, meta: { soak: true, job: source } });
  const meterProvider = new MeterProvider({ resource, readers: [new SyvainMetricReader({ exporter: exporters.metricExporter, exportIntervalMillis: 1_000 })] });
  const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: exporters.logExporter, scheduledDelayMillis: 500 })] });
  const meter = meterProvider.getMeter("soak");
  const loss = meter.createGauge("train.loss");
  const gradNorm = meter.createHistogram("grad.norm");
  const logger = loggerProvider.getLogger("soak");
  const ledger = new Ledger();
  let stopped = false;

  const record = (step: number): void => {
    loss.record(1 / (step + 1), { step, split: "train" });
    ledger.metric("train.loss", step);
    gradNorm.record(0.5 + (step % 7) / 10, { step });
    for (const part of ["count", "sum", "min", "max"]) ledger.metric(`grad.norm.${part}`, step);
    if (step % 20 === 0) {
      const body = `${source}: step ${step} done`;
      logger.emit({ body, severityNumber: SeverityNumber.INFO, attributes: { step } });
      ledger.annotation(body);
    }
  };

  return {
    source,
    slug,
    ledger,
    spoolDir,
    async produce() {
      await tickUntil(
        () => stopped,
        (tick) => {
          for (let i = 0; i < STEPS_PER_TICK; i++) record(tick * STEPS_PER_TICK + i);
        },
      );
    },
    stop() {
      stopped = true;
    },
    async drain() {
      await meterProvider.forceFlush();
      await loggerProvider.forceFlush();
      const counts = countsFromExportStats(exporters.stats().find((s) => s.slug === slug));
      await Promise.all([meterProvider.shutdown(), loggerProvider.shutdown()]);
      await exporters.shutdown(); // closes the spool (already done if both providers shut their exporter down)
      return counts;
    },
  };
}
