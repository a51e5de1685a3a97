/**
 * `SyvainMetricExporter`: an OpenTelemetry `PushMetricExporter` (sdk-metrics 2.x and 3.x) that maps
 * each export to Syvain metric events and queues them in the experiment's outbox.
 *
 * - `export()` answers promptly and exactly once, and never throws: it maps, enqueues and calls
 *   back; delivery happens in the background (the SDK reader already batches and times, so there
 *   is no second batching layer here). Only the first export of an unseen experiment waits, for
 *   its get-or-create. An export larger than one chunk (`export-chunks.ts`) is mapped and queued
 *   chunk by chunk with a loop turn in between, so sending starts before mapping ends; it answers
 *   once its last chunk is queued. The result carries `invalid` (`SyvainExportResult`).
 * - FAILED results carry a `SyvainError` whose `code` says why: `auth` / `forbidden` / `server` ...
 *   (experiment creation), `not_found` / `conflict` (folder path), `queue_overflow` (this export
 *   evicted queued events), `shutdown`, `invalid_argument` (no usable slug on the resource).
 * - Temporality: DELTA for gauges and histograms, CUMULATIVE for counters (`temporality.ts`).
 * - `forceFlush()`, `shutdown()`, `stats()`, `isBackpressured()`, `health()`: see `SyvainExporterBase`.
 */
import type { ExportResult } from "@opentelemetry/core";
import type { AggregationTemporality, InstrumentType, PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { SyvainExporterBase } from "./otel/exporter-base.ts";
import type { SyvainExporterOptions } from "./otel/exporter-options.ts";
import { metricChunks } from "./otel/prepare-events.ts";
import { runExport } from "./otel/run-export.ts";
import { selectSyvainTemporality } from "./otel/temporality.ts";

export class SyvainMetricExporter extends SyvainExporterBase implements PushMetricExporter {
  constructor(options?: SyvainExporterOptions) {
    super(options, "SyvainMetricExporter");
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.guardExport(resultCallback, (result) => {
      const { stepAttribute } = this.core.options;
      const group = { resource: metrics.resource, chunks: ({ slug }: { slug: string }) => metricChunks(metrics.scopeMetrics, slug, stepAttribute, this.core.steppedSums(slug)) };
      runExport(this.core, "metrics", [group], result);
    });
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return selectSyvainTemporality(instrumentType);
  }
}
