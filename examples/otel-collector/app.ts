/**
 * A small "training job" instrumented with the OpenTelemetry SDK and its OTLP exporters, as any
 * Node service would be: a `train.loss` / `train.accuracy` gauge per step (attribute `step`), a
 * `train.samples` counter and a few log records. It knows nothing about Syvain: where the data
 * goes is the standard OTel configuration (`OTEL_EXPORTER_OTLP_ENDPOINT`, default
 * http://localhost:4318; `OTEL_EXPORTER_OTLP_COMPRESSION=gzip`...), pointing at a Collector or
 * straight at `syvain-otel bridge`.
 *
 * Run: node --conditions=syvain-source examples/otel-collector/app.ts   (STEPS=200 EXPERIMENT_SLUG=my-run)
 */
import { SeverityNumber } from "@opentelemetry/api";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { AggregationTemporalityPreference } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";

const steps = Number(process.env.STEPS ?? 200);
const slug = process.env.EXPERIMENT_SLUG ?? "otel-collector-demo";

// Resource attributes become the Syvain experiment (slug) and its metadata (the rest).
const resource = defaultResource().merge(
  resourceFromAttributes({
    "service.name": "resnet-trainer",
    "syvain.experiment.slug": slug,
    "syvain.experiment.description": "ResNet-18 on CIFAR-10, sent through OpenTelemetry",
    "config.lr": 0.1,
    "config.batch_size": 128,
    "config.optimizer": "sgd",
  }),
);

// DELTA: each step's gauge point is exported once; the counter reports what was added per interval.
const meterProvider = new MeterProvider({
  resource,
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ temporalityPreference: AggregationTemporalityPreference.DELTA }),
      exportIntervalMillis: 1000,
    }),
  ],
});
const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })] });

const meter = meterProvider.getMeter("trainer", "1.0.0");
const logger = loggerProvider.getLogger("trainer", "1.0.0");
const loss = meter.createGauge("train.loss", { description: "training loss" });
const accuracy = meter.createGauge("train.accuracy", { unit: "1" });
const samples = meter.createCounter("train.samples", { unit: "{sample}" });

logger.emit({ body: "training started", severityNumber: SeverityNumber.INFO, severityText: "INFO", attributes: { steps } });
for (let step = 0; step < steps; step++) {
  loss.record(2.3 * Math.exp(-step / 60) + 0.05, { step });
  accuracy.record(Math.min(0.95, 0.1 + step / (steps * 1.1)), { step, split: "train" });
  samples.add(128);
  if (step > 0 && step % 50 === 0) {
    logger.emit({ eventName: "checkpoint.saved", body: `checkpoint at step ${step}`, severityNumber: SeverityNumber.INFO, attributes: { step } });
  }
  // A real step takes time: let a few periodic exports happen along the way.
  if (step % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 100));
}
logger.emit({ body: "training finished", severityNumber: SeverityNumber.INFO, attributes: { steps } });

// Shutdown exports what is left and waits for it.
await Promise.all([meterProvider.shutdown(), loggerProvider.shutdown()]);
process.stdout.write(`${JSON.stringify({ app: "done", slug, steps, logRecords: 2 + Math.floor((steps - 1) / 50) })}\n`);
