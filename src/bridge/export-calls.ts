/**
 * A decoded OTLP request as calls to the Syvain exporters: one call per resource (metrics: one
 * `ResourceMetrics` per `export()`, as the SDK does; logs: the records of one resource), so the
 * outcome of each resource — and the number of items it carried — is known separately.
 */
import type { ExportResult } from "@opentelemetry/core";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { BridgeExporters } from "./bridge-options.ts";
import { decodeLogsJson } from "./otlp/decode-logs-json.ts";
import { decodeLogsProto } from "./otlp/decode-logs-proto.ts";
import { decodeMetricsJson } from "./otlp/decode-metrics-json.ts";
import { decodeMetricsProto } from "./otlp/decode-metrics-proto.ts";
import type { DecodeRejections } from "./otlp/decoded-types.ts";
import type { OtlpEncoding, OtlpSignal } from "./otlp/encode-response.ts";

export interface ExportCall {
  /** Data points or log records this call hands over. */
  count: number;
  /** Calls the exporter synchronously; the promise settles with its (single) result. */
  run(exporters: BridgeExporters): Promise<ExportResult>;
}

export interface DecodedRequest {
  /** Items handed to the exporters, over all calls. */
  count: number;
  rejected: DecodeRejections;
  calls: ExportCall[];
}

/** Decodes a body; throws `OtlpDecodeError` when it cannot. */
export function decodeRequest(signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array): DecodedRequest {
  if (signal === "metrics") {
    const request = encoding === "protobuf" ? decodeMetricsProto(body) : decodeMetricsJson(body);
    const calls = request.resourceMetrics.map(
      (resourceMetrics): ExportCall => ({
        count: resourceMetrics.scopeMetrics.reduce((sum, scope) => sum + scope.metrics.reduce((n, metric) => n + metric.dataPoints.length, 0), 0),
        run: (exporters) => new Promise((resolve) => exporters.metricExporter.export(resourceMetrics, resolve)),
      }),
    );
    return { count: request.dataPointCount, rejected: request.rejected, calls: calls.filter((call) => call.count > 0) };
  }
  const request = encoding === "protobuf" ? decodeLogsProto(body) : decodeLogsJson(body);
  const calls = byResource(request.logRecords).map(
    (records): ExportCall => ({
      count: records.length,
      run: (exporters) => new Promise((resolve) => exporters.logExporter.export(records, resolve)),
    }),
  );
  return { count: request.logRecords.length, rejected: request.rejected, calls };
}

/** The decoders give the records of one OTLP `ResourceLogs` one shared `resource` object. */
function byResource(records: readonly ReadableLogRecord[]): ReadableLogRecord[][] {
  const groups = new Map<ReadableLogRecord["resource"], ReadableLogRecord[]>();
  for (const record of records) {
    const group = groups.get(record.resource);
    if (group === undefined) groups.set(record.resource, [record]);
    else group.push(record);
  }
  return [...groups.values()];
}
