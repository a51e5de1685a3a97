/**
 * Builders shared by the protobuf and JSON decoders: they turn decoded OTLP pieces into the
 * OTel JS SDK's `MetricData`, `Resource` and scope objects, and count what has no SDK shape.
 */
import { ValueType, type Attributes, type HrTime } from "@opentelemetry/api";
import { resourceFromAttributes, type Resource } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
  type ScopeMetrics,
} from "@opentelemetry/sdk-metrics";
import type { DecodeRejections, DecodedDataPoint } from "./decoded-types.ts";
import type { DecodedResource } from "./decode-common-proto.ts";

const NANOS_PER_SECOND = 1_000_000_000n;

/** Nanoseconds since the epoch → `[seconds, nanos]`, exactly (no trip through a float). */
export function nanosToHrTime(nanos: bigint): HrTime {
  if (nanos <= 0n) return [0, 0];
  return [Number(nanos / NANOS_PER_SECOND), Number(nanos % NANOS_PER_SECOND)];
}

export function currentHrTime(): HrTime {
  return nanosToHrTime(BigInt(Date.now()) * 1_000_000n);
}

/** OTLP `AggregationTemporality` (1 = DELTA, 2 = CUMULATIVE) → the SDK enum (DELTA = 0, CUMULATIVE = 1). */
function sdkTemporality(otlp: number): AggregationTemporality | undefined {
  if (otlp === 1) return AggregationTemporality.DELTA;
  if (otlp === 2) return AggregationTemporality.CUMULATIVE;
  return undefined;
}

/** Counts rejected items per reason; the counts feed `partial_success`. */
export class RejectionTally {
  private readonly byReason = new Map<string, number>();
  private total = 0;

  add(count: number, reason: string): void {
    if (count <= 0) return;
    this.total += count;
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + count);
  }

  result(): DecodeRejections {
    return { count: this.total, reasons: [...this.byReason].map(([reason, count]) => ({ reason, count })) };
  }
}

/** A metric's `data` oneof once its points are decoded. Temporalities are OTLP values. */
export type DecodedMetricBody =
  | { kind: "gauge"; points: DecodedDataPoint<number>[]; allInt: boolean }
  | { kind: "sum"; points: DecodedDataPoint<number>[]; allInt: boolean; temporality: number; isMonotonic: boolean }
  | { kind: "histogram"; points: DecodedDataPoint<Histogram>[]; temporality: number }
  | { kind: "exponentialHistogram"; points: DecodedDataPoint<ExponentialHistogram>[]; temporality: number }
  | { kind: "summary"; pointCount: number };

export interface MetricHeader {
  name: string;
  description: string;
  unit: string;
}

/**
 * The SDK `MetricData` for one OTLP metric, or `undefined` when nothing in it can be handed on
 * (its points are then counted in `rejected`).
 */
export function assembleMetric(header: MetricHeader, body: DecodedMetricBody | undefined, rejected: RejectionTally): MetricData | undefined {
  if (body === undefined) return undefined;
  const count = body.kind === "summary" ? body.pointCount : body.points.length;
  if (count === 0) return undefined;
  if (body.kind === "summary") {
    rejected.add(count, "summary metrics are not supported");
    return undefined;
  }
  if (header.name === "") {
    rejected.add(count, "metric without a name");
    return undefined;
  }
  const descriptor = {
    name: header.name,
    description: header.description,
    unit: header.unit,
    valueType: "allInt" in body && body.allInt ? ValueType.INT : ValueType.DOUBLE,
  };
  if (body.kind === "gauge") {
    // OTLP gauges carry no temporality; DELTA is what the SDK reports for a gauge read by an
    // exporter that asks for it (as SyvainMetricExporter does): each point is new.
    return { descriptor, aggregationTemporality: AggregationTemporality.DELTA, dataPointType: DataPointType.GAUGE, dataPoints: body.points };
  }
  const aggregationTemporality = sdkTemporality(body.temporality);
  if (aggregationTemporality === undefined) {
    rejected.add(count, `aggregation temporality ${body.temporality} is not DELTA (1) or CUMULATIVE (2)`);
    return undefined;
  }
  switch (body.kind) {
    case "sum":
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.SUM, dataPoints: body.points, isMonotonic: body.isMonotonic };
    case "histogram":
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.HISTOGRAM, dataPoints: body.points };
    case "exponentialHistogram":
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM, dataPoints: body.points };
  }
}

/** Builds a data point; `flags` is attached only when set, so unflagged points look like SDK output. */
export function dataPoint<T>(
  startTime: HrTime,
  endTime: HrTime,
  attributes: DecodedDataPoint<T>["attributes"],
  value: T,
  flags: number,
): DecodedDataPoint<T> {
  const point = { startTime, endTime, attributes, value };
  return flags === 0 ? point : { ...point, flags };
}

/** The SDK point, with `sum` / `min` / `max` only when the sender set them (they are optional in OTLP). */
export function histogramDataPoint<V extends Histogram | ExponentialHistogram>(
  p: { startTimeUnixNano: HrTime; timeUnixNano: HrTime; attributes: Attributes; flags: number; sum?: number | undefined; min?: number | undefined; max?: number | undefined },
  value: V,
): DecodedDataPoint<V> {
  if (p.sum !== undefined) value.sum = p.sum;
  if (p.min !== undefined) value.min = p.min;
  if (p.max !== undefined) value.max = p.max;
  return dataPoint(p.startTimeUnixNano, p.timeUnixNano, p.attributes, value, p.flags);
}

export function sdkResource(decoded: DecodedResource, schemaUrl: string): Resource {
  return resourceFromAttributes(decoded.attributes, schemaUrl === "" ? undefined : { schemaUrl });
}

/** A metric `InstrumentationScope`: empty `version` / `schemaUrl` (OTLP's "unset") are left out. */
export function metricScope(scope: { name: string; version: string }, schemaUrl: string): ScopeMetrics["scope"] {
  return {
    name: scope.name,
    ...(scope.version === "" ? {} : { version: scope.version }),
    ...(schemaUrl === "" ? {} : { schemaUrl }),
  };
}
