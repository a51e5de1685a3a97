/**
 * Real OTel SDK output for the decoder tests: a MeterProvider read by a test MetricReader
 * (no timers: `collect()` on demand) and a LoggerProvider whose records land in an
 * InMemoryLogRecordExporter.
 */
import { ROOT_CONTEXT, SeverityNumber, trace, type HrTime } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from "@opentelemetry/sdk-logs";

class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export const TEST_RESOURCE_ATTRIBUTES = {
  "service.name": "trainer",
  "syvain.experiment.slug": "resnet-lr-sweep",
  "config.batch_size": 64,
  "config.lr": 0.003,
  "config.augment": true,
  "config.layers": ["conv", "pool"],
};

/** One collection with every SDK point type, int and double values, attributes of every scalar kind. */
export async function collectSampleMetrics(temporality = AggregationTemporality.CUMULATIVE): Promise<ResourceMetrics> {
  const reader = new OnDemandReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(TEST_RESOURCE_ATTRIBUTES, { schemaUrl: "https://opentelemetry.io/schemas/1.30.0" }),
    readers: [reader],
    views: [{ instrumentName: "latency.exp", aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter("trainer.metrics", "1.2.3", { schemaUrl: "https://example.test/schema" });
  const loss = meter.createGauge("train.loss", { description: "training loss", unit: "1" });
  for (let step = 0; step < 5; step++) loss.record(1 / (step + 1), { step, split: "train", "run.ok": true });
  meter.createGauge("gpu.count", { valueType: 0 }).record(8);
  const samples = meter.createCounter("samples.seen", { valueType: 0, unit: "{sample}" });
  samples.add(640, { worker: 1 });
  samples.add(123_456_789_012, { worker: 2 });
  meter.createUpDownCounter("queue.depth").add(-3.5);
  const latency = meter.createHistogram("latency", { unit: "ms", advice: { explicitBucketBoundaries: [1, 10, 100] } });
  for (const v of [0.5, 5, 50, 500, 7]) latency.record(v, { op: "fwd" });
  const exp = meter.createHistogram("latency.exp");
  for (const v of [-2, 0, 0.25, 3, 1024]) exp.record(v);
  meter.createObservableGauge("temperature").addCallback((result) => result.observe(71.25, { sensor: "a" }));
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new Error(`collect failed: ${String(errors[0])}`);
  await provider.shutdown();
  return resourceMetrics;
}

/** Log records of every shape: string / map / bytes / array bodies, event names, span context. */
export async function emitSampleLogs(): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(TEST_RESOURCE_ATTRIBUTES),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger("trainer.logs", "0.9.0", { schemaUrl: "https://example.test/logs", attributes: { team: "vision" } });
  const time: HrTime = [1_764_000_000, 123_456_789];
  logger.emit({ body: "epoch 1 done", severityNumber: SeverityNumber.INFO, severityText: "INFO", timestamp: time, attributes: { step: 100, lr: 0.1 } });
  logger.emit({
    eventName: "checkpoint.saved",
    body: { path: "/ckpt/1", size: 12345, tags: ["best", "epoch-1"], nested: { ok: true, ratio: 0.5 } },
    severityNumber: SeverityNumber.WARN,
    attributes: { "retry.count": 0, empty: "" },
    context: trace.setSpanContext(ROOT_CONTEXT, { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", traceFlags: 1 }),
  });
  logger.emit({ body: new Uint8Array([0, 1, 2, 250, 255]), observedTimestamp: [1_764_000_001, 5] });
  logger.emit({ body: [1, "two", false, null] });
  logger.emit({ body: 0, severityNumber: SeverityNumber.FATAL4, attributes: { negative: -42, big: 2 ** 53 - 1, frac: -0.125 } });
  await provider.forceFlush();
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  return records;
}

/** The parts of a metric that survive OTLP: gauges have no temporality on the wire, histograms no value type. */
export function comparableMetric(metric: MetricData): Record<string, unknown> {
  const numeric = metric.dataPointType === DataPointType.GAUGE || metric.dataPointType === DataPointType.SUM;
  return {
    descriptor: {
      name: metric.descriptor.name,
      description: metric.descriptor.description,
      unit: metric.descriptor.unit,
      valueType: numeric ? metric.descriptor.valueType : undefined,
    },
    dataPointType: metric.dataPointType,
    aggregationTemporality: metric.dataPointType === DataPointType.GAUGE ? undefined : metric.aggregationTemporality,
    isMonotonic: "isMonotonic" in metric ? metric.isMonotonic : undefined,
    dataPoints: metric.dataPoints.map((p) => ({ startTime: p.startTime, endTime: p.endTime, attributes: p.attributes, value: p.value })),
  };
}

/** Reads an SDK log record through its getters (LogRecordImpl keeps its state in private fields). */
export function comparableLogRecord(record: ReadableLogRecord): Record<string, unknown> {
  return {
    hrTime: record.hrTime,
    hrTimeObserved: record.hrTimeObserved,
    spanContext: record.spanContext,
    severityNumber: record.severityNumber,
    severityText: record.severityText,
    body: record.body,
    eventName: record.eventName,
    resourceAttributes: record.resource.attributes,
    scope: {
      name: record.instrumentationScope.name,
      version: record.instrumentationScope.version,
      schemaUrl: record.instrumentationScope.schemaUrl,
      attributes: record.instrumentationScope.attributes,
    },
    attributes: record.attributes,
    droppedAttributesCount: record.droppedAttributesCount,
  };
}
