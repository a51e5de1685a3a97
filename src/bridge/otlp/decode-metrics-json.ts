/**
 * OTLP/JSON `ExportMetricsServiceRequest` → SDK `ResourceMetrics[]`, through zod schemas that
 * accept what real senders write (see otlp-json-common.ts), then the same builders as the
 * protobuf decoder, so both encodings give identical SDK objects.
 */
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { DATA_POINT_FLAG_NO_RECORDED_VALUE, type DecodedDataPoint, type DecodedMetricsRequest } from "./decoded-types.ts";
import { parseOtlpJson } from "./otlp-json-common.ts";
import { fastMetricsRequest } from "./decode-metrics-json-fast.ts";
import { metricsRequestSchema, temporalityNames, type JsonMetric, type JsonNumberPoint } from "./metrics-json-schema.ts";
import { RejectionTally, assembleMetric, dataPoint, metricScope, sdkResource, type DecodedMetricBody } from "./sdk-shapes.ts";

export interface DecodeJsonOptions {
  /** Plain-code decoding of the common shapes before zod (`decode-metrics-json-fast.ts`). @default true */
  fastPath?: boolean;
}

export function decodeMetricsJson(body: Uint8Array | string, options: DecodeJsonOptions = {}): DecodedMetricsRequest {
  const fast = options.fastPath === false ? undefined : (normalized: unknown) => fastMetricsRequest(normalized, temporalityNames);
  const parsed = parseOtlpJson(body, metricsRequestSchema, fast);
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
