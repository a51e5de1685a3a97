/** Hand-built sdk-metrics shapes (what the SDK or the OTLP decoder hands to the mapping). */
import type { Attributes, HrTime } from "@opentelemetry/api";
import { AggregationTemporality, DataPointType } from "@opentelemetry/sdk-metrics";
import type { DataPoint, ExponentialHistogram, Histogram, MetricData, ScopeMetrics } from "@opentelemetry/sdk-metrics";
import { ValueType } from "@opentelemetry/api";

export const T0: HrTime = [1_700_000_000, 123_456_789];
/** T0 in ms, rounded down: 1_700_000_000 s and 123.456789 ms. */
export const T0_MS = 1_700_000_000_123;

export interface PointInput<T> {
  value: T;
  attributes?: Attributes;
  endTime?: HrTime;
  flags?: number;
}

export function point<T>(input: PointInput<T>): DataPoint<T> {
  const p: DataPoint<T> & { flags?: number } = {
    startTime: [1_699_999_990, 0],
    endTime: input.endTime ?? T0,
    attributes: input.attributes ?? {},
    value: input.value,
  };
  if (input.flags !== undefined) p.flags = input.flags;
  return p;
}

function descriptor(name: string) {
  return { name, description: "", unit: "", valueType: ValueType.DOUBLE };
}

export function gauge(name: string, points: DataPoint<number>[]): MetricData {
  return { descriptor: descriptor(name), aggregationTemporality: AggregationTemporality.DELTA, dataPointType: DataPointType.GAUGE, dataPoints: points };
}

export function sum(
  name: string,
  points: DataPoint<number>[],
  o: { monotonic?: boolean; temporality?: AggregationTemporality } = {},
): MetricData {
  return {
    descriptor: descriptor(name),
    aggregationTemporality: o.temporality ?? AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: o.monotonic ?? true,
    dataPoints: points,
  };
}

export function histogram(name: string, points: DataPoint<Histogram>[], temporality = AggregationTemporality.DELTA): MetricData {
  return { descriptor: descriptor(name), aggregationTemporality: temporality, dataPointType: DataPointType.HISTOGRAM, dataPoints: points };
}

export function expHistogram(name: string, points: DataPoint<ExponentialHistogram>[]): MetricData {
  return {
    descriptor: descriptor(name),
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
    dataPoints: points,
  };
}

export function hist(count: number, sum?: number, min?: number, max?: number): Histogram {
  const h: Histogram = { buckets: { boundaries: [10], counts: [count, 0] }, count };
  if (sum !== undefined) h.sum = sum;
  if (min !== undefined) h.min = min;
  if (max !== undefined) h.max = max;
  return h;
}

export function expHist(count: number, sum?: number, min?: number, max?: number): ExponentialHistogram {
  const h: ExponentialHistogram = {
    count,
    scale: 3,
    zeroCount: 0,
    positive: { offset: 0, bucketCounts: [count] },
    negative: { offset: 0, bucketCounts: [] },
  };
  if (sum !== undefined) h.sum = sum;
  if (min !== undefined) h.min = min;
  if (max !== undefined) h.max = max;
  return h;
}

export function scope(...metrics: MetricData[]): ScopeMetrics[] {
  return [{ scope: { name: "test-scope" }, metrics }];
}

/** Any id of the documented form: `otel:` + 43 base64url characters (sha-256). */
export const EVENT_ID = /^otel:[A-Za-z0-9_-]{43}$/;
