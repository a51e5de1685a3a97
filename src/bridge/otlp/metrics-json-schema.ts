/**
 * The zod schema of an OTLP/JSON `ExportMetricsServiceRequest`: what real senders write (see
 * otlp-json-common.ts), turned into the same decoded shapes as the protobuf decoder. The plain-code
 * fast path (`decode-metrics-json-fast.ts`) must give what this gives, so both share its types.
 */
import { z } from "zod";
import type { ExponentialHistogram, Histogram } from "@opentelemetry/sdk-metrics";
import { attributes, count, double, enumeration, int32, int64, nanos, optionalString, resource, scope, uint32 } from "./otlp-json-common.ts";
import { histogramDataPoint, nanosToHrTime } from "./sdk-shapes.ts";

export const temporalityNames: Readonly<Record<string, number>> = {
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

export const metricsRequestSchema = z.object({
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

export type JsonMetricsRequest = z.output<typeof metricsRequestSchema>;
export type JsonMetric = z.output<typeof metric>;
export type JsonNumberPoint = z.output<typeof numberPoint>;
