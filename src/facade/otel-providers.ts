/**
 * What builds the OTel side of a facade experiment: its `Resource` and its Meter/Logger providers
 * over the experiment's own sink. Loaded by `otel-view.ts` on first use only: these imports pull in
 * the OpenTelemetry SDK, which most facade users never need at import time.
 */
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { LoggerProvider } from "@opentelemetry/sdk-logs";
import type { Resource } from "@opentelemetry/resources";
import type { DeliverySink } from "../delivery/delivery-types.ts";
import { SyvainLogRecordExporter } from "../exporter/log-exporter.ts";
import { SyvainLogRecordProcessor } from "../exporter/log-processor.ts";
import { SyvainMetricReader } from "../exporter/reader.ts";
import { syvainResource } from "../exporter/otel/syvain-resource.ts";
import { SyvainMetricExporter } from "../exporter/metric-exporter.ts";
import { optionsWithJournals } from "../exporter/otel/shared-core.ts";
import type { ExperimentJournals } from "../exporter/otel/experiment-journals.ts";
import type { SyvainExporterOptions } from "../exporter/otel/exporter-options.ts";
import type { ExperimentExportStats } from "../exporter/otel/exporter-stats.ts";
import type { JsonObject } from "../api/contract.ts";

export { withFlushDeadline } from "../exporter/otel/flush-deadline.ts";

export interface ExperimentMeterProviderOptions {
  /** How often the SDK collects and exports. @default 5000 */
  exportIntervalMillis?: number;
  /** Attribute sets (e.g. steps) per gauge / histogram per interval. @default 100000 */
  cardinalityLimit?: number;
}

export interface ExperimentLoggerProviderOptions {
  /** Delay between two batch exports of log records. @default 1000 */
  scheduledDelayMillis?: number;
}

/** What the providers need to know about the experiment. */
export interface OtelBinding {
  slug: string;
  description: string | null;
  folderId: string | null;
  meta: JsonObject;
  sink: DeliverySink;
  timeoutSeconds: number;
  /**
   * The experiment's spool, when it has one: each provider's outbox journals its events there, as
   * `experiment.metric()` does, so they survive a kill -9 too.
   */
  journals?: ExperimentJournals;
}

/** A provider the experiment flushes at the end of a run and shuts down on close. */
export interface OwnedProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** A provider of the view with its exporter, whose counts `close()` adds to the experiment's status. */
export interface ViewProvider<P extends OwnedProvider> {
  provider: P;
  exporter: { stats(): ExperimentExportStats[] };
}

export function experimentResource(binding: OtelBinding): Resource {
  return syvainResource({
    slug: binding.slug,
    meta: binding.meta,
    ...(binding.description === null ? {} : { description: binding.description }),
    ...(binding.folderId === null ? {} : { folderId: binding.folderId }),
  });
}

/**
 * The exporters' outbox closes its sink on shutdown; the sink belongs to the experiment, so the
 * exporters get a view whose `close()` leaves it open. A delivery keeps its abort signal: a
 * deadline that gives a request up ends it (it went on hanging, counted as pending, after close()).
 */
function borrowed(sink: DeliverySink): () => DeliverySink {
  return () => ({
    deliver: (batch, signal) => sink.deliver(batch, signal),
    ...(sink.sync ? { sync: () => sink.sync?.() ?? Promise.resolve() } : {}),
    close: () => Promise.resolve(),
  });
}

/** The options of one exporter of the view: over the borrowed sink, journaled to the experiment's spool if it has one. */
function exporterOptions(binding: OtelBinding, owner: string): SyvainExporterOptions {
  const options = {
    slug: binding.slug,
    sink: borrowed(binding.sink),
    flushTimeoutSeconds: binding.timeoutSeconds,
    shutdownTimeoutSeconds: binding.timeoutSeconds,
    // One experiment, alive as long as the facade's (and journaled to its spool): nothing to release.
    experimentIdleSeconds: null,
  };
  return binding.journals === undefined ? options : optionsWithJournals(options, owner, binding.journals);
}

export function createExperimentMeterProvider(binding: OtelBinding, resource: Resource, options: ExperimentMeterProviderOptions = {}): ViewProvider<MeterProvider> {
  const exporter = new SyvainMetricExporter(exporterOptions(binding, "SyvainMetricExporter"));
  const reader = new SyvainMetricReader({ exporter, ...options });
  return { provider: new MeterProvider({ resource, readers: [reader] }), exporter };
}

export function createExperimentLoggerProvider(binding: OtelBinding, resource: Resource, options: ExperimentLoggerProviderOptions = {}): ViewProvider<LoggerProvider> {
  const exporter = new SyvainLogRecordExporter(exporterOptions(binding, "SyvainLogRecordExporter"));
  // Ours, not the SDK's: its shutdown skips the force-flush that would spend close()'s whole deadline first.
  const processor = new SyvainLogRecordProcessor({
    exporter,
    ...(options.scheduledDelayMillis === undefined ? {} : { scheduledDelayMillis: options.scheduledDelayMillis }),
  });
  return { provider: new LoggerProvider({ resource, processors: [processor] }), exporter };
}

