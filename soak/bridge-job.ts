/**
 * The bridge sender: a MeterProvider whose reader pushes with the official OTLP/HTTP protobuf
 * exporter into an in-process `createBridge()`, which forwards to the emulator through its own
 * Syvain exporters. The official exporter gives up on a request after its own retries: those points
 * never reach the bridge, so the wrapper counts them as dropped by the sender, with the reason.
 */
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { AggregationTemporalityPreference } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type AggregationTemporality,
  type InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { createBridge, type Bridge } from "../src/bridge/create-bridge.ts";
import { createSyvainExporters } from "../src/exporter/otel/create-exporters.ts";
import { countsFromExportStats } from "./export-counts.ts";
import { tickUntil, type SoakJob } from "./job.ts";
import { Ledger } from "./ledger.ts";

const STEPS_PER_TICK = 5;

function pointCount(metrics: ResourceMetrics): number {
  let points = 0;
  for (const scope of metrics.scopeMetrics) for (const metric of scope.metrics) points += metric.dataPoints.length;
  return points;
}

/** Delegates to the official exporter and remembers what it could not deliver. */
class CountingExporter implements PushMetricExporter {
  readonly #inner: OTLPMetricExporter;
  failedPoints = 0;
  readonly errors = new Set<string>();

  constructor(inner: OTLPMetricExporter) {
    this.#inner = inner;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.#inner.export(metrics, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) {
        this.failedPoints += pointCount(metrics);
        this.errors.add(result.error?.message ?? "export failed");
      }
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.#inner.selectAggregationTemporality(instrumentType);
  }
}

export async function createBridgeJob(options: { runId: string; host: string; apiKey: string }): Promise<SoakJob & { bridgeLog: { warnings: number } }> {
  const source = "bridge";
  const slug = `soak-${options.runId}-${source}`;
  const exporters = createSyvainExporters({ host: options.host, apiKey: options.apiKey, flushTimeoutSeconds: 120 });
  const bridgeLog = { warnings: 0 };
  const bridge: Bridge = createBridge({
    port: 0,
    exporters,
    retryAfterSeconds: 1,
    log: (entry) => {
      if (entry.level !== "info") bridgeLog.warnings += 1;
    },
  });
  const { url } = await bridge.start();
  const exporter = new CountingExporter(new OTLPMetricExporter({ url: `${url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.DELTA, timeoutMillis: 5_000 }));
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": "soak-bridge-sender", "syvain.experiment.slug": slug }),
    // The SDK's reader bounds each export by its interval; 5 s leaves room for a few 503 + Retry-After rounds.
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 5_000, exportTimeoutMillis: 5_000 })],
  });
  const loss = provider.getMeter("soak").createGauge("bridge.loss");
  const ledger = new Ledger();
  let stopped = false;

  return {
    source,
    slug,
    ledger,
    bridgeLog,
    async produce() {
      await tickUntil(
        () => stopped,
        (tick) => {
          for (let i = 0; i < STEPS_PER_TICK; i++) {
            const step = tick * STEPS_PER_TICK + i;
            loss.record(2 / (step + 1), { step, split: "train" });
            ledger.metric("bridge.loss", step);
          }
        },
      );
    },
    stop() {
      stopped = true;
    },
    async drain() {
      await provider.forceFlush();
      await exporters.forceFlush();
      await bridge.close();
      const senderReasons = exporter.failedPoints > 0 ? [`${exporter.failedPoints} points given up by the OTLP exporter: ${[...exporter.errors].join("; ")}`] : [];
      const counts = countsFromExportStats(
        exporters.stats().find((s) => s.slug === slug),
        senderReasons,
      );
      await provider.shutdown();
      await exporters.shutdown();
      return { ...counts, dropped: counts.dropped + exporter.failedPoints };
    },
  };
}
