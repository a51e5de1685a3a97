/**
 * `SyvainLogRecordExporter`: an OpenTelemetry `LogRecordExporter` (sdk-logs 0.2xx and 3.x) that
 * turns log records into Syvain annotations. Records are grouped by resource: one batch may feed
 * several experiments. Same answer discipline and error codes as `SyvainMetricExporter`; a failed
 * group does not stop the others from being queued.
 */
import type { ExportResult } from "@opentelemetry/core";
import type { LogRecordExporter, ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { groupLogRecordsByResource } from "../mapping/index.ts";
import { SyvainExporterBase } from "./otel/exporter-base.ts";
import type { SyvainExporterOptions } from "./otel/exporter-options.ts";
import type { ExportGroup } from "./otel/export-group.ts";
import { annotationChunks } from "./otel/prepare-events.ts";
import { runExport } from "./otel/run-export.ts";

export class SyvainLogRecordExporter extends SyvainExporterBase implements LogRecordExporter {
  constructor(options?: SyvainExporterOptions) {
    super(options, "SyvainLogRecordExporter");
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.guardExport(resultCallback, (result) => {
      const groups: ExportGroup[] = groupLogRecordsByResource(logs).map(({ resource, records }) => ({
        resource,
        chunks: ({ slug }) => annotationChunks(records, slug),
      }));
      runExport(this.core, "annotations", groups, result);
    });
  }
}
