/**
 * OTLP/JSON `ExportMetricsServiceRequest` → SDK `ResourceMetrics[]`, through zod schemas that
 * accept what real senders write (see otlp-json-common.ts), then the same builders as the
 * protobuf decoder, so both encodings give identical SDK objects.
 */
import { z } from "zod";
import type { ExponentialHistogram, Histogram, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { DATA_POINT_FLAG_NO_RECORDED_VALUE, type DecodedDataPoint, type DecodedMetricsRequest } from "./decoded-types.ts";
import { attributes, count, double, enumeration, int32, int64, nanos, optionalString, parseOtlpJson, resource, scope, uint32 } from "./otlp-json-common.ts";
import { fastMetricsRequest, histogramDataPoint } from "./decode-metrics-json-fast.ts";
import { RejectionTally, assembleMetric, dataPoint, metricScope, nanosToHrTime, sdkResource, type DecodedMetricBody } from "./sdk-shapes.ts";

const temporalityNames: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};
const temporality = enumeration(temporalityNames)
  .nullish()
  .transform((v) => v ?? 0);
const time = nanos.nullish().transform((v) => nanosToHrTime(v ?? 0n));
const flags = uint32.nullish().transform((v) => v ?? 0);
const optionalDouble = double.nullish().transform((v) => v ?? undefined);

const numberPoint = z.object({
  attributes,
  startTimeUnixNano: time,
  timeUnixNano: time,
  asDouble: double.nullish(),
  // As a number straight away (all the SDK point keeps); `Number(bigint)` rounds like `Number(text)`.
  asInt: int64.transform(Number).nullish(),
  flags,
});

/** Fields both histogram points have. */
const histogramCommon = {
  attributes,
  startTimeUnixNano: time,
  timeUnixNano: time,
  count: count.nullish(),
  sum: optionalDouble,
  flags,
  min: optionalDouble,
  max: optionalDouble,
};

const histogramPoint = z
  .object({ ...histogramCommon, bucketCounts: z.array(count).nullish(), explicitBounds: z.array(double).nullish() })
  .transform((p) => histogramDataPoint<Histogram>(p, { buckets: { boundaries: p.explicitBounds ?? [], counts: p.bucketCounts ?? [] }, count: p.count ?? 0 }));

const buckets = z
  .object({ offset: int32.nullish(), bucketCounts: z.array(count).nullish() })
  .nullish()
  .transform((b) => ({ offset: b?.offset ?? 0, bucketCounts: b?.bucketCounts ?? [] }));

const exponentialPoint = z
  .object({ ...histogramCommon, scale: int32.nullish(), zeroCount: count.nullish(), positive: buckets, negative: buckets })
  .transform((p) =>
    histogramDataPoint<ExponentialHistogram>(p, { count: p.count ?? 0, scale: p.scale ?? 0, zeroCount: p.zeroCount ?? 0, positive: p.positive, negative: p.negative }),
  );

const points = <T extends z.ZodType>(point: T) => z.array(point).nullish().transform((v) => v ?? []);

const metric = z.object({
  name: optionalString,
  description: optionalString,
  unit: optionalString,
  gauge: z.object({ dataPoints: points(numberPoint) }).nullish(),
  sum: z.object({ dataPoints: points(numberPoint), aggregationTemporality: temporality, isMonotonic: z.boolean().nullish() }).nullish(),
  histogram: z.object({ dataPoints: points(histogramPoint), aggregationTemporality: temporality }).nullish(),
  exponentialHistogram: z.object({ dataPoints: points(exponentialPoint), aggregationTemporality: temporality }).nullish(),
  summary: z.object({ dataPoints: z.array(z.unknown()).nullish() }).nullish(),
});

const request = z.object({
  resourceMetrics: z
    .array(
      z.object({
        resource,
        schemaUrl: optionalString,
        scopeMetrics: z.array(z.object({ scope, schemaUrl: optionalString, metrics: z.array(metric).nullish() })).nullish(),
      }),
    )
    .nullish(),
});

export type JsonMetricsRequest = z.output<typeof request>;
export type JsonMetric = z.output<typeof metric>;
export type JsonNumberPoint = z.output<typeof numberPoint>;

export interface DecodeJsonOptions {
  /** Plain-code decoding of the common shapes before zod (`decode-metrics-json-fast.ts`). @default true */
  fastPath?: boolean;
}

export function decodeMetricsJson(body: Uint8Array | string, options: DecodeJsonOptions = {}): DecodedMetricsRequest {
  const fast = options.fastPath === false ? undefined : (normalized: unknown) => fastMetricsRequest(normalized, temporalityNames);
  const parsed = parseOtlpJson(body, request, fast);
  const rejected = new RejectionTally();
  let dataPointCount = 0;
  const resourceMetrics: ResourceMetrics[] = (parsed.resourceMetrics ?? []).map((rm) => ({
    resource: sdkResource(rm.resource, rm.schemaUrl),
    scopeMetrics: (rm.scopeMetrics ?? []).map((sm) => ({
      scope: metricScope(sm.scope, sm.schemaUrl),
      metrics: (sm.metrics ?? []).flatMap((m) => {
        const data = assembleMetric(m, metricBody(m, rejected), rejected);
        if (data === undefined) return [];
        dataPointCount += data.dataPoints.length;
        return [data];
      }),
    })),
  }));
  return { resourceMetrics, dataPointCount, rejected: rejected.result() };
}

/** The metric's `data` oneof (a body that sets several, which is invalid, gets a fixed precedence). */
function metricBody(m: JsonMetric, rejected: RejectionTally): DecodedMetricBody | undefined {
  if (m.summary != null) return { kind: "summary", pointCount: m.summary.dataPoints?.length ?? 0 };
  if (m.exponentialHistogram != null) return { kind: "exponentialHistogram", points: m.exponentialHistogram.dataPoints, temporality: m.exponentialHistogram.aggregationTemporality };
  if (m.histogram != null) return { kind: "histogram", points: m.histogram.dataPoints, temporality: m.histogram.aggregationTemporality };
  if (m.sum != null) {
    const numbers = numberPoints(m.sum.dataPoints, rejected);
    return { kind: "sum", ...numbers, temporality: m.sum.aggregationTemporality, isMonotonic: m.sum.isMonotonic ?? false };
  }
  if (m.gauge != null) return { kind: "gauge", ...numberPoints(m.gauge.dataPoints, rejected) };
  return undefined;
}

function numberPoints(input: JsonNumberPoint[], rejected: RejectionTally): { points: DecodedDataPoint<number>[]; allInt: boolean } {
  const points: DecodedDataPoint<number>[] = [];
  let allInt = input.length > 0;
  for (const p of input) {
    let value: number;
    if (p.asInt != null) value = p.asInt;
    else if (p.asDouble != null) {
      value = p.asDouble;
      allInt = false;
    } else if ((p.flags & DATA_POINT_FLAG_NO_RECORDED_VALUE) !== 0) {
      value = Number.NaN;
      allInt = false;
    } else {
      rejected.add(1, "data point without a value");
      continue;
    }
    points.push(dataPoint(p.startTimeUnixNano, p.timeUnixNano, p.attributes, value, p.flags));
  }
  return { points, allInt: allInt && points.length > 0 };
}
