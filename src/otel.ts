// `syvain-metrics-otel/otel`: the OpenTelemetry exporters, the metric reader and the resource helper.
// Importing it loads the OTel SDK (a peer dependency); the root entry does not.
import "./node-version.ts";

export { SyvainMetricExporter } from "./exporter/metric-exporter.ts";
export { SyvainLogRecordExporter } from "./exporter/log-exporter.ts";
export { SyvainLogRecordProcessor } from "./exporter/log-processor.ts";
export type { SyvainLogRecordProcessorOptions } from "./exporter/log-processor.ts";
export { SyvainMetricReader, DEFAULT_EXPORT_INTERVAL_MILLIS, DEFAULT_CARDINALITY_LIMIT } from "./exporter/reader.ts";
export type { SyvainMetricReaderOptions } from "./exporter/reader.ts";
export { createSyvainExporters } from "./exporter/otel/create-exporters.ts";
export type { SyvainExporters } from "./exporter/otel/create-exporters.ts";
export { syvainResource } from "./exporter/otel/syvain-resource.ts";
export type { SyvainResourceOptions } from "./exporter/otel/syvain-resource.ts";
export type { SyvainExporterOptions, SinkFactory, SinkTarget } from "./exporter/otel/exporter-options.ts";
export type { ExperimentExportStats, ExporterKindStats, SyvainExporterHealth } from "./exporter/otel/exporter-stats.ts";
export type { SyvainExportResult } from "./exporter/otel/export-callback.ts";
export type { SpoolSessionStats } from "./destinations/spool-session.ts";
export type { SlugResolver } from "./mapping/experiment.ts";
export type { Batch, DeliverySink } from "./delivery/delivery-types.ts";
