/**
 * `SyvainLogRecordExporter`: an OpenTelemetry `LogRecordExporter` (sdk-logs 0.2xx and 3.x) that
 * turns log records into Syvain annotations. Records are grouped by resource: one batch may feed
 * several experiments. Same answer discipline and error codes as `SyvainMetricExporter`; a failed
 * group does not stop the others from being queued.
 */
import type { ExportResult } from "@opentelemetry/core";
import type { LogRecordExporter, ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { SyvainError } from "../errors.ts";
import { groupLogRecordsByResource } from "../mapping/index.ts";
import { settleOnce } from "./otel/export-callback.ts";
import type { ExporterCore } from "./otel/exporter-core.ts";
import type { SyvainExporterOptions } from "./otel/exporter-options.ts";
import type { ExperimentExportStats, SyvainExporterHealth } from "./otel/exporter-stats.ts";
import { prepareAnnotations } from "./otel/prepare-events.ts";
import { runExport, type ExportGroup } from "./otel/run-export.ts";
import { attachCore } from "./otel/shared-core.ts";

export class SyvainLogRecordExporter implements LogRecordExporter {
  readonly #core: ExporterCore;
  #shutdown: Promise<void> | undefined;

  constructor(options?: SyvainExporterOptions) {
    this.#core = attachCore(options, "SyvainLogRecordExporter");
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    const result = settleOnce(resultCallback);
    try {
      if (this.#shutdown !== undefined || this.#core.isClosed) {
        result.fail(new SyvainError("shutdown", "SyvainLogRecordExporter is shut down: export refused, nothing was queued"));
        return;
      }
      const groups: ExportGroup[] = groupLogRecordsByResource(logs).map(({ resource, records }) => ({
        resource,
        prepare: ({ slug }) => prepareAnnotations(records, slug),
      }));
      runExport(this.#core, "annotations", groups, result);
    } catch (error) {
      result.fail(error instanceof Error ? error : new Error(String(error)));
    }
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

  stats(): ExperimentExportStats[] {
    return this.#core.stats();
  }

  isBackpressured(): boolean {
    return this.#core.isBackpressured();
  }

  health(): SyvainExporterHealth {
    return this.#core.health();
  }
}
