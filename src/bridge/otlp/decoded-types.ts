/**
 * What the OTLP decoders return: the OTel JS SDK's own shapes (so `SyvainMetricExporter` and
 * `SyvainLogRecordExporter` consume decoded requests exactly like SDK output), plus what was
 * rejected while decoding and why (for the response's `partial_success`).
 */
import type { DataPoint, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";

/** OTLP `DataPointFlags`: bit 0 set = the point carries no recorded value. */
export const DATA_POINT_FLAG_NO_RECORDED_VALUE = 1;

/**
 * An SDK data point as decoded from OTLP. `flags` is present only when the sender set any
 * `DataPointFlags` bit; the mapping drops points flagged NO_RECORDED_VALUE (their value is NaN).
 */
export type DecodedDataPoint<T> = DataPoint<T> & { readonly flags?: number };

/** Items dropped while decoding, with a short reason per cause (e.g. `summary metrics are not supported`). */
export interface DecodeRejections {
  /** Total rejected data points (metrics) or log records (logs). */
  count: number;
  /** Distinct reasons with how many items each one covers, in first-seen order. */
  reasons: { reason: string; count: number }[];
}

export interface DecodedMetricsRequest {
  /** One entry per OTLP `ResourceMetrics`, in request order. */
  resourceMetrics: ResourceMetrics[];
  /** Data points handed on in `resourceMetrics` (flagged ones included). */
  dataPointCount: number;
  rejected: DecodeRejections;
}

export interface DecodedLogsRequest {
  /** Every log record of the request, in order; records of one OTLP `ResourceLogs` share one `resource` object. */
  logRecords: ReadableLogRecord[];
  rejected: DecodeRejections;
}

export interface DecodeOptions {
  /**
   * Receive time used as a log record's observed time when the sender left it unset (the
   * OTel data model: a receiver observes the record when it gets it). Defaults to now.
   */
  receivedAt?: [number, number];
}
