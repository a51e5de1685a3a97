/**
 * Protobuf `ExportMetricsServiceRequest` → SDK `ResourceMetrics[]`.
 *
 * Field numbers follow opentelemetry/proto/metrics/v1/metrics.proto and
 * collector/metrics/v1/metrics_service.proto (v1.x). Unknown fields are skipped, as protobuf
 * requires; exemplars and metric metadata are skipped because the SDK shapes have no place for them.
 */
import type { ExponentialHistogram, Histogram, MetricData, ResourceMetrics, ScopeMetrics } from "@opentelemetry/sdk-metrics";
import type { DecodedDataPoint, DecodedMetricsRequest } from "./decoded-types.ts";
import { decodeEnvelope } from "./decode-envelope-proto.ts";
import { decodeHistogramPoint, decodeExponentialHistogramPoint, decodeNumberPoint, type NumberPointSink } from "./decode-points-proto.ts";
import { OtlpDecodeError, decodingField as within } from "./otlp-decode-error.ts";
import { WireType, type ProtoReader } from "./proto-reader.ts";
import { RejectionTally, assembleMetric, metricScope, sdkResource, type DecodedMetricBody, type MetricHeader } from "./sdk-shapes.ts";

interface MetricsDecodeState {
  rejected: RejectionTally;
  dataPointCount: number;
}

const NAMES = { resources: "resourceMetrics", scopes: "scopeMetrics", items: "metrics" };

export function decodeMetricsProto(body: Uint8Array): DecodedMetricsRequest {
  const state: MetricsDecodeState = { rejected: new RejectionTally(), dataPointCount: 0 };
  const groups = decodeEnvelope(body, NAMES, (reader) => decodeMetric(reader, state));
  const resourceMetrics: ResourceMetrics[] = groups.map((group) => ({
    resource: sdkResource(group.resource, group.schemaUrl),
    scopeMetrics: group.scopes.map(
      (s): ScopeMetrics => ({
        scope: metricScope(s.scope, s.schemaUrl),
        metrics: s.items,
      }),
    ),
  }));
  return { resourceMetrics, dataPointCount: state.dataPointCount, rejected: state.rejected.result() };
}

function decodeMetric(reader: ProtoReader, state: MetricsDecodeState): MetricData | undefined {
  const header: MetricHeader = { name: "", description: "", unit: "" };
  let body: DecodedMetricBody | undefined;
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 1:
        reader.expect(wireType, WireType.LEN, "name");
        header.name = reader.string();
        break;
      case 2:
        reader.expect(wireType, WireType.LEN, "description");
        header.description = reader.string();
        break;
      case 3:
        reader.expect(wireType, WireType.LEN, "unit");
        header.unit = reader.string();
        break;
      case 5:
        reader.expect(wireType, WireType.LEN, "gauge");
        body = within("gauge", () => decodeNumberMetric(reader.message(), "gauge", state));
        break;
      case 7:
        reader.expect(wireType, WireType.LEN, "sum");
        body = within("sum", () => decodeNumberMetric(reader.message(), "sum", state));
        break;
      case 9:
        reader.expect(wireType, WireType.LEN, "histogram");
        body = within("histogram", () => decodeHistogramMetric(reader.message(), false));
        break;
      case 10:
        reader.expect(wireType, WireType.LEN, "exponential_histogram");
        body = within("exponentialHistogram", () => decodeHistogramMetric(reader.message(), true));
        break;
      case 11:
        reader.expect(wireType, WireType.LEN, "summary");
        body = { kind: "summary", pointCount: countDataPoints(reader.message()) };
        break;
      default:
        reader.skip(wireType);
    }
  }
  const metric = assembleMetric(header, body, state.rejected);
  if (metric !== undefined) state.dataPointCount += metric.dataPoints.length;
  return metric;
}

/** `Gauge` { 1: data_points } and `Sum` { 1: data_points, 2: aggregation_temporality, 3: is_monotonic }. */
function decodeNumberMetric(reader: ProtoReader, kind: "gauge" | "sum", state: MetricsDecodeState): DecodedMetricBody {
  const sink: NumberPointSink = { points: [], allInt: true, rejected: state.rejected };
  let temporality = 0;
  let isMonotonic = false;
  let pointIndex = 0;
  try {
    while (reader.hasMore()) {
      const key = reader.key();
      const wireType = key & 7;
      const field = key >>> 3;
      if (field === 1) {
        reader.expect(wireType, WireType.LEN, "data_points");
        const outer = reader.enter();
        decodeNumberPoint(reader, sink);
        reader.leave(outer);
        pointIndex++;
      } else if (field === 2 && kind === "sum") {
        reader.expect(wireType, WireType.VARINT, "aggregation_temporality");
        temporality = reader.int32();
      } else if (field === 3 && kind === "sum") {
        reader.expect(wireType, WireType.VARINT, "is_monotonic");
        isMonotonic = reader.bool();
      } else {
        reader.skip(wireType);
      }
    }
  } catch (error) {
    throw atPoint(error, pointIndex);
  }
  const allInt = sink.allInt && sink.points.length > 0;
  return kind === "gauge"
    ? { kind, points: sink.points, allInt }
    : { kind, points: sink.points, allInt, temporality, isMonotonic };
}

/** `Histogram` / `ExponentialHistogram` { 1: data_points, 2: aggregation_temporality }. */
function decodeHistogramMetric(reader: ProtoReader, exponential: boolean): DecodedMetricBody {
  const histogramPoints: DecodedDataPoint<Histogram>[] = [];
  const exponentialPoints: DecodedDataPoint<ExponentialHistogram>[] = [];
  let temporality = 0;
  let pointIndex = 0;
  try {
    while (reader.hasMore()) {
      const key = reader.key();
      const wireType = key & 7;
      const field = key >>> 3;
      if (field === 1) {
        reader.expect(wireType, WireType.LEN, "data_points");
        if (exponential) exponentialPoints.push(decodeExponentialHistogramPoint(reader.message()));
        else histogramPoints.push(decodeHistogramPoint(reader.message()));
        pointIndex++;
      } else if (field === 2) {
        reader.expect(wireType, WireType.VARINT, "aggregation_temporality");
        temporality = reader.int32();
      } else {
        reader.skip(wireType);
      }
    }
  } catch (error) {
    throw atPoint(error, pointIndex);
  }
  return exponential
    ? { kind: "exponentialHistogram", points: exponentialPoints, temporality }
    : { kind: "histogram", points: histogramPoints, temporality };
}

/** Names the data point an error came from (the index is the one being read when it was thrown). */
function atPoint(error: unknown, index: number): unknown {
  return error instanceof OtlpDecodeError ? error.within(`dataPoints[${index}]`) : error;
}

/** `Summary` { 1: data_points }: only counted, because the SDK has no summary shape. */
function countDataPoints(reader: ProtoReader): number {
  let count = 0;
  while (reader.hasMore()) {
    const key = reader.key();
    if (key >>> 3 === 1) count++;
    reader.skip(key & 7);
  }
  return count;
}
