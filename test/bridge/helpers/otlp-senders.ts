/**
 * Real OTLP senders for the bridge tests: the official OTel JS OTLP exporters
 * (`http/protobuf` with and without gzip, `http/json`) behind a real MeterProvider / LoggerProvider.
 */
import { SeverityNumber } from "@opentelemetry/api";
import { OTLPLogExporter as ProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPLogExporter as JsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";

export type OtlpProtocol = "proto" | "proto-gzip" | "json";
export const PROTOCOLS: OtlpProtocol[] = ["proto", "proto-gzip", "json"];

type Compression = NonNullable<NonNullable<ConstructorParameters<typeof ProtoMetricExporter>[0]>["compression"]>;

export interface SenderOptions {
  /** Bridge base URL (the OTLP path is appended). */
  url: string;
  protocol: OtlpProtocol;
  resource: Record<string, string | number | boolean | string[]>;
  headers?: Record<string, string>;
  /** The metric exporter's temporality preference. @default DELTA */
  temporality?: AggregationTemporalityPreference;
}

function exporterConfig(options: SenderOptions, signal: "metrics" | "logs") {
  return {
    url: `${options.url}/v1/${signal}`,
    compression: (options.protocol === "proto-gzip" ? "gzip" : "none") as Compression,
    headers: options.headers ?? {},
    timeoutMillis: 20_000,
  };
}

/**
 * A MeterProvider whose reader exports only when flushed (the interval is an hour). DELTA: the
 * final export on shutdown then carries only what is new, so each counter value is sent once
 * (CUMULATIVE would resend the same total with a new end time: a second, distinct observation).
 */
export function openMeterProvider(options: SenderOptions): MeterProvider {
  const config = { ...exporterConfig(options, "metrics"), temporalityPreference: options.temporality ?? AggregationTemporalityPreference.DELTA };
  const exporter = options.protocol === "json" ? new JsonMetricExporter(config) : new ProtoMetricExporter(config);
  return new MeterProvider({
    resource: resourceFromAttributes(options.resource),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, exportTimeoutMillis: 30_000 })],
  });
}

export function openLoggerProvider(options: SenderOptions): LoggerProvider {
  const config = exporterConfig(options, "logs");
  const exporter = options.protocol === "json" ? new JsonLogExporter(config) : new ProtoLogExporter(config);
  return new LoggerProvider({
    resource: resourceFromAttributes(options.resource),
    processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 3_600_000, exportTimeoutMillis: 30_000 })],
  });
}

/** A training-like run: `train.loss` per step, a `samples.seen` counter, an `eval.accuracy` gauge. */
export async function sendTrainingMetrics(options: SenderOptions, steps: number): Promise<{ loss: (step: number) => number; samples: number }> {
  const provider = openMeterProvider(options);
  const meter = provider.getMeter("trainer");
  const lossGauge = meter.createGauge("train.loss");
  const loss = (step: number): number => 2 / (step + 1) + step * 1e-4;
  for (let step = 0; step < steps; step++) lossGauge.record(loss(step), { step, split: "train" });
  const samples = meter.createCounter("samples.seen", { valueType: 0 });
  samples.add(32 * steps);
  await provider.forceFlush();
  await provider.shutdown();
  return { loss, samples: 32 * steps };
}

export async function sendLogRecords(options: SenderOptions, texts: string[]): Promise<void> {
  const provider = openLoggerProvider(options);
  const logger = provider.getLogger("trainer");
  texts.forEach((text, i) => logger.emit({ body: text, severityNumber: SeverityNumber.INFO, severityText: "INFO", attributes: { step: i }, timestamp: Date.now() + i }));
  await provider.forceFlush();
  await provider.shutdown();
}
