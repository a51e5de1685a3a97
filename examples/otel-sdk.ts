// Send metrics and logs from an existing OpenTelemetry setup to Syvain Metrics.
// Reads SYVAIN_METRICS_API_KEY (and SYVAIN_METRICS_HOST, if set) from the environment.
// snippet: the README shows from here to "end snippet"
import { LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { createSyvainExporters, SyvainLogRecordProcessor, SyvainMetricReader, syvainResource } from "syvain-metrics-otel/otel";

// One resource = one Syvain experiment (created on the first export, reused if it exists).
const resource = syvainResource({
  slug: "resnet50-baseline",
  description: "ResNet-50 baseline",
  meta: { config: { lr: 0.1, batch_size: 256 } },
});

// A metric and a log exporter sharing one client and one queue per experiment.
const syvain = createSyvainExporters();
const meterProvider = new MeterProvider({
  resource,
  readers: [new SyvainMetricReader({ exporter: syvain.metricExporter })],
});
const loggerProvider = new LoggerProvider({
  resource,
  processors: [new SyvainLogRecordProcessor({ exporter: syvain.logExporter })],
});

const meter = meterProvider.getMeter("train");
const loss = meter.createGauge("loss"); // one point per step: record with a `step` attribute
const samples = meter.createCounter("samples_seen"); // stored as a running total
const logger = loggerProvider.getLogger("train"); // log records become annotations

for (let step = 0; step < 1000; step++) {
  loss.record(2 / (1 + step), { step, split: "train" });
  samples.add(256);
  if (step % 250 === 0) logger.emit({ body: `checkpoint saved at step ${step}`, attributes: { step } });
}

// Shutting the providers down flushes everything to Syvain, then closes the exporters; together,
// so that an outage costs one shutdown deadline, not one per provider.
await Promise.all([meterProvider.shutdown(), loggerProvider.shutdown()]);
// end snippet

// Every kind of loss: still queued, refused by Syvain, evicted from a full queue, rejected by
// the mapping (NaN, no step...), and whole exports that failed (e.g. a rejected API key).
for (const { slug, metrics, annotations, failedExports, lastError } of syvain.stats()) {
  const lost = (k: typeof metrics) => k.pending + k.failed + k.dropped + k.invalid;
  const notDelivered = lost(metrics) + lost(annotations);
  console.log(`${slug}: ${metrics.accepted} metric points and ${annotations.accepted} annotations stored, ${notDelivered} not delivered, ${failedExports} failed exports`);
  if (notDelivered > 0 || failedExports > 0) {
    console.error(`${slug}: data was lost${lastError ? `: ${lastError.message}` : ""}`);
    process.exitCode = 1;
  }
}
