/**
 * Plain-code decoding of `ExportMetricsServiceRequest` JSON. It gives what the zod schema of
 * `metrics-json-schema.ts` gives for the same input, and declines (`miss()`, see
 * `otlp-json-fast.ts`) on anything else — any value zod would reject, unknown enum names — so the
 * caller decodes the body with zod instead: same accepted inputs, same errors, only faster.
 */
import type { Attributes, HrTime } from "@opentelemetry/api";
import type { ExponentialHistogram, Histogram } from "@opentelemetry/sdk-metrics";
import type { DecodedDataPoint } from "./decoded-types.ts";
import type { JsonMetric, JsonMetricsRequest, JsonNumberPoint } from "./metrics-json-schema.ts";
import { histogramDataPoint } from "./sdk-shapes.ts";
import { INTEGER } from "./otlp-json-common.ts";
import {
  NanosReader,
  arrayOrEmpty,
  attributes,
  boundedInt,
  double,
  int64Number,
  isObject,
  miss,
  resource,
  scope,
  text,
  tryFastPath,
  uint32OrZero,
} from "./otlp-json-fast.ts";

/** `ExportMetricsServiceRequest` JSON (keys normalised) → the zod schema's output, or `undefined`. */
export function fastMetricsRequest(input: unknown, temporalityNames: Readonly<Record<string, number>>): JsonMetricsRequest | undefined {
  return tryFastPath(() => new FastMetricsDecoder(temporalityNames).request(input));
}

interface HistogramCommon {
  attributes: Attributes;
  startTimeUnixNano: HrTime;
  timeUnixNano: HrTime;
  count: number;
  sum: number | undefined;
  flags: number;
  min: number | undefined;
  max: number | undefined;
}

function objectOf(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : miss();
}

/** `count`: a non-negative uint64, as a number. */
function count(value: unknown): number {
  const n = int64Number(value);
  return n >= 0 ? n : miss();
}

/** Exponential histogram buckets; unset = offset 0, no counts. */
function buckets(value: unknown): { offset: number; bucketCounts: number[] } {
  if (value == null) return { offset: 0, bucketCounts: [] };
  const b = objectOf(value);
  const offset = b.offset == null ? 0 : boundedInt(b.offset, -0x80000000, 0x7fffffff);
  return { offset, bucketCounts: b.bucketCounts == null ? [] : arrayOrEmpty(b.bucketCounts).map(count) };
}

class FastMetricsDecoder {
  readonly #temporalityNames: Readonly<Record<string, number>>;
  readonly #startTimes = new NanosReader();
  readonly #times = new NanosReader();

  constructor(temporalityNames: Readonly<Record<string, number>>) {
    this.#temporalityNames = temporalityNames;
  }

  request(input: unknown): JsonMetricsRequest {
    if (!isObject(input)) return miss();
    return {
      resourceMetrics: arrayOrEmpty(input.resourceMetrics).map((rm) => {
        if (!isObject(rm)) return miss();
        return {
          resource: resource(rm.resource),
          schemaUrl: text(rm.schemaUrl),
          scopeMetrics: arrayOrEmpty(rm.scopeMetrics).map((sm) => {
            if (!isObject(sm)) return miss();
            return { scope: scope(sm.scope), schemaUrl: text(sm.schemaUrl), metrics: arrayOrEmpty(sm.metrics).map((m) => this.#metric(m)) };
          }),
        };
      }),
    };
  }

  /** Every `data` field is checked, as zod does (`metricBody` picks one later). */
  #metric(m: unknown): JsonMetric {
    if (!isObject(m)) return miss();
    const { gauge, sum, histogram, exponentialHistogram, summary } = m;
    const decoded: JsonMetric = { name: text(m.name), description: text(m.description), unit: text(m.unit) };
    if (gauge != null) decoded.gauge = { dataPoints: this.#numberPoints(objectOf(gauge).dataPoints) };
    if (sum != null) {
      const body = objectOf(sum);
      const isMonotonic = body.isMonotonic;
      if (isMonotonic != null && typeof isMonotonic !== "boolean") return miss();
      decoded.sum = { dataPoints: this.#numberPoints(body.dataPoints), aggregationTemporality: this.#temporality(body.aggregationTemporality), isMonotonic };
    }
    if (histogram != null) {
      const body = objectOf(histogram);
      decoded.histogram = { dataPoints: arrayOrEmpty(body.dataPoints).map((p) => this.#histogramPoint(p)), aggregationTemporality: this.#temporality(body.aggregationTemporality) };
    }
    if (exponentialHistogram != null) {
      const body = objectOf(exponentialHistogram);
      decoded.exponentialHistogram = {
        dataPoints: arrayOrEmpty(body.dataPoints).map((p) => this.#exponentialPoint(p)),
        aggregationTemporality: this.#temporality(body.aggregationTemporality),
      };
    }
    if (summary != null) {
      const points = objectOf(summary).dataPoints;
      decoded.summary = { dataPoints: points == null ? points : arrayOrEmpty(points).slice() };
    }
    return decoded;
  }

  #histogramPoint(value: unknown): DecodedDataPoint<Histogram> {
    const p = objectOf(value);
    const common = this.#histogramCommon(p);
    const boundaries = p.explicitBounds == null ? [] : arrayOrEmpty(p.explicitBounds).map(double);
    const counts = p.bucketCounts == null ? [] : arrayOrEmpty(p.bucketCounts).map(count);
    return histogramDataPoint<Histogram>(common, { buckets: { boundaries, counts }, count: common.count });
  }

  #exponentialPoint(value: unknown): DecodedDataPoint<ExponentialHistogram> {
    const p = objectOf(value);
    const common = this.#histogramCommon(p);
    const scale = p.scale == null ? 0 : boundedInt(p.scale, -0x80000000, 0x7fffffff);
    const zeroCount = p.zeroCount == null ? 0 : count(p.zeroCount);
    return histogramDataPoint<ExponentialHistogram>(common, { count: common.count, scale, zeroCount, positive: buckets(p.positive), negative: buckets(p.negative) });
  }

  #histogramCommon(p: Record<string, unknown>): HistogramCommon {
    return {
      attributes: attributes(p.attributes),
      startTimeUnixNano: this.#startTimes.read(p.startTimeUnixNano),
      timeUnixNano: this.#times.read(p.timeUnixNano),
      count: p.count == null ? 0 : count(p.count),
      sum: p.sum == null ? undefined : double(p.sum),
      flags: uint32OrZero(p.flags),
      min: p.min == null ? undefined : double(p.min),
      max: p.max == null ? undefined : double(p.max),
    };
  }

  #numberPoints(value: unknown): JsonNumberPoint[] {
    const input = arrayOrEmpty(value);
    const points: JsonNumberPoint[] = new Array<JsonNumberPoint>(input.length);
    for (let i = 0; i < input.length; i++) {
      const p = input[i];
      if (!isObject(p)) return miss();
      const { asDouble, asInt } = p;
      points[i] = {
        attributes: attributes(p.attributes),
        startTimeUnixNano: this.#startTimes.read(p.startTimeUnixNano),
        timeUnixNano: this.#times.read(p.timeUnixNano),
        asDouble: asDouble == null ? undefined : double(asDouble),
        asInt: asInt == null ? undefined : int64Number(asInt),
        flags: uint32OrZero(p.flags),
      };
    }
    return points;
  }

  /** `enumeration(...)`: an int32 (number or decimal text) first, else one of the enum's names; unset = 0. */
  #temporality(value: unknown): number {
    if (value === undefined || value === null) return 0;
    if (typeof value === "string" && !INTEGER.test(value)) {
      return Object.hasOwn(this.#temporalityNames, value) ? (this.#temporalityNames[value] ?? 0) : miss();
    }
    return boundedInt(value, -0x80000000, 0x7fffffff);
  }
}
