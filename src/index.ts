// Public API. Named exports only (no `export *`): what is here is what we support.
export { Collector, JsonlCollector, NoopCollector, Experiment, facadeLimits } from "./facade/index.ts";
export type {
  AnnotationOptions,
  CollectorOptions,
  ExperimentLoggerProviderOptions,
  ExperimentMeterProviderOptions,
  ExperimentOptions,
  FlushOrRaiseOptions,
  JsonlCollectorOptions,
  LocalCollectorOptions,
  MetricOptions,
  RunOptions,
  RunScope,
} from "./facade/index.ts";
export { SyvainError, SyvainApiError, SyvainValidationError } from "./api/errors.ts";
export { DeliveryIncompleteError } from "./delivery/delivery-errors.ts";
export type { SyvainErrorCode, SyvainErrorOptions, SyvainApiErrorOptions } from "./api/errors.ts";
export type {
  AnnotationEvent,
  Experiment as ExperimentRecord,
  ExperimentStatus,
  Folder,
  JsonObject,
  JsonValue,
  MetricEvent,
  MetricMetadata,
  SeriesBatch,
} from "./api/contract.ts";
export type { DeliveryOptions, FlushStatus, OutboxStats, OutboxKindStats } from "./delivery/delivery-types.ts";
export { createSyvainClient } from "./client/create-client.ts";
export type { SyvainClient, SyvainClientOptions, CallOptions } from "./client/client-types.ts";
export { SyvainMetricExporter } from "./exporter/metric-exporter.ts";
export { SyvainLogRecordExporter } from "./exporter/log-exporter.ts";
export {
  createSyvainMetricReader,
  SyvainMetricReader,
  DEFAULT_EXPORT_INTERVAL_MILLIS,
  DEFAULT_CARDINALITY_LIMIT,
} from "./exporter/reader.ts";
export type { SyvainMetricReaderOptions } from "./exporter/reader.ts";
export { createSyvainExporters } from "./exporter/otel/create-exporters.ts";
export type { SyvainExporters } from "./exporter/otel/create-exporters.ts";
export { syvainResource } from "./exporter/otel/syvain-resource.ts";
export type { SyvainResourceOptions } from "./exporter/otel/syvain-resource.ts";
export type { SyvainExporterOptions, SinkFactory, SinkTarget } from "./exporter/otel/exporter-options.ts";
export type { ExperimentExportStats, ExporterKindStats, SyvainExporterHealth } from "./exporter/otel/exporter-stats.ts";
export type { SlugResolver } from "./mapping/index.ts";
export { createBridge } from "./bridge/create-bridge.ts";
export type { Bridge } from "./bridge/create-bridge.ts";
export type { BridgeOptions, BridgeExporters } from "./bridge/bridge-options.ts";
export type { BridgeLogEntry } from "./bridge/bridge-log.ts";
export { OtlpDecodeError } from "./bridge/otlp/otlp-decode-error.ts";
export type { Batch, DeliverySink } from "./delivery/delivery-types.ts";
export type { SyvainExportResult } from "./exporter/otel/export-callback.ts";
