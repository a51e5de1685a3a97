/**
 * `SyvainMetricExporter`: an OpenTelemetry `PushMetricExporter` (sdk-metrics 2.x and 3.x) that maps
 * each export to Syvain metric events and queues them in the experiment's outbox.
 *
 * - `export()` answers promptly and exactly once, and never throws: it maps, enqueues and calls
 *   back; delivery happens in the background (the SDK reader already batches and times, so there
 *   is no second batching layer here). Only the first export of an unseen experiment waits, for
 *   its get-or-create.
 * - FAILED results carry a `SyvainError` whose `code` says why: `auth` / `forbidden` / `server` ...
 *   (experiment creation), `not_found` / `conflict` (folder path), `queue_overflow` (this export
 *   evicted queued events), `shutdown`, `invalid_argument` (no usable slug on the resource).
 * - Temporality: DELTA for gauges and histograms, CUMULATIVE for counters (`temporality.ts`).
 */
import type { ExportResult } from "@opentelemetry/core";
import type { AggregationTemporality, InstrumentType, PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { SyvainError } from "../errors.ts";
import { settleOnce } from "./otel/export-callback.ts";
import type { ExporterCore } from "./otel/exporter-core.ts";
import type { SyvainExporterOptions } from "./otel/exporter-options.ts";
import type { ExperimentExportStats, SyvainExporterHealth } from "./otel/exporter-stats.ts";
import { prepareMetrics } from "./otel/prepare-events.ts";
import { runExport } from "./otel/run-export.ts";
import { attachCore } from "./otel/shared-core.ts";
import { selectSyvainTemporality } from "./otel/temporality.ts";

export class SyvainMetricExporter implements PushMetricExporter {
  readonly #core: ExporterCore;
  #shutdown: Promise<void> | undefined;

  constructor(options?: SyvainExporterOptions) {
    this.#core = attachCore(options, "SyvainMetricExporter");
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const result = settleOnce(resultCallback);
    try {
      if (this.#shutdown !== undefined || this.#core.isClosed) {
        result.fail(new SyvainError("shutdown", "SyvainMetricExporter is shut down: export refused, nothing was queued"));
        return;
      }
      const { stepAttribute } = this.#core.options;
      const group = { resource: metrics.resource, prepare: ({ slug }: { slug: string }) => prepareMetrics(metrics.scopeMetrics, slug, stepAttribute) };
      runExport(this.#core, "metrics", [group], result);
    } catch (error) {
      result.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return selectSyvainTemporality(instrumentType);
  }

  /** Drains every outbox (waits up to `flushTimeoutSeconds`); incomplete delivery is a `diag` warning. */
  forceFlush(): Promise<void> {
    return this.#core.forceFlush();
  }

  /** Drains (up to `shutdownTimeoutSeconds`), then closes; later exports fail. Idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#core.release();
    return this.#shutdown;
  }

  /** Per-experiment delivery counts (shared with a log exporter built by `createSyvainExporters`). */
  stats(): ExperimentExportStats[] {
    return this.#core.stats();
  }

  /** Cheap: true when an outbox is nearly full or Syvain looks unavailable. */
  isBackpressured(): boolean {
    return this.#core.isBackpressured();
  }

  health(): SyvainExporterHealth {
    return this.#core.health();
  }
}
