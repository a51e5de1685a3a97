/**
 * Protobuf `ExportMetricsServiceRequest` → SDK `ResourceMetrics[]`.
 *
 * Field numbers follow opentelemetry/proto/metrics/v1/metrics.proto and
 * collector/metrics/v1/metrics_service.proto (v1.x). Unknown fields are skipped, as protobuf
 * requires; exemplars and metric metadata are skipped because the SDK shapes have no place for them.
 */
import type { ExponentialHistogram, Histogram, MetricData, ResourceMetrics, ScopeMetrics } from "@opentelemetry/sdk-metrics";
import type { DecodedDataPoint, DecodedMetricsRequest } from "./decoded-types.ts";
import { envelopeDecoder } from "./decode-envelope-proto.ts";
import {
  decodeHistogramPoint,
  decodeExponentialHistogramPoint,
  decodeNumberPoint,
  type NumberPointSink,
} from "./decode-points-proto.ts";
import { OtlpDecodeError, decodingField as within } from "./otlp-decode-error.ts";
import { fieldTable, readFields, type FieldSpec } from "./proto-fields.ts";
import { WireType, type ProtoReader } from "./proto-reader.ts";
import { RejectionTally, assembleMetric, metricScope, sdkResource, type DecodedMetricBody, type MetricHeader } from "./sdk-shapes.ts";

interface MetricsDecodeState {
  rejected: RejectionTally;
  dataPointCount: number;
}

const decodeEnvelope = envelopeDecoder({ resources: "resourceMetrics", scopes: "scopeMetrics", items: "metrics" });

export function decodeMetricsProto(body: Uint8Array): DecodedMetricsRequest {
  const state: MetricsDecodeState = { rejected: new RejectionTally(), dataPointCount: 0 };
  const groups = decodeEnvelope(body, (reader) => decodeMetric(reader, state));
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

interface MetricState {
  header: MetricHeader;
  body: DecodedMetricBody | undefined;
  decode: MetricsDecodeState;
}

/** A `data` oneof field of `Metric`: its body replaces any earlier one (the last one set wins). */
function bodyField(name: string, path: string, decode: (message: ProtoReader, state: MetricsDecodeState) => DecodedMetricBody): FieldSpec<MetricState> {
  return {
    name,
    wireType: WireType.LEN,
    read: (r, s) => {
      const message = r.message();
      s.body = within(path, () => decode(message, s.decode));
    },
  };
}

/** `Metric` { 1: name, 2: description, 3: unit, 5: gauge, 7: sum, 9: histogram, 10: exponential_histogram, 11: summary }. */
const METRIC_FIELDS = fieldTable<MetricState>({
  1: {
    name: "name",
    wireType: WireType.LEN,
    read: (r, s) => {
      s.header.name = r.string();
    },
  },
  2: {
    name: "description",
    wireType: WireType.LEN,
    read: (r, s) => {
      s.header.description = r.string();
    },
  },
  3: {
    name: "unit",
    wireType: WireType.LEN,
    read: (r, s) => {
      s.header.unit = r.string();
    },
  },
  5: bodyField("gauge", "gauge", (m, state) => decodeNumberMetric(m, "gauge", state)),
  7: bodyField("sum", "sum", (m, state) => decodeNumberMetric(m, "sum", state)),
  9: bodyField("histogram", "histogram", (m) => decodeHistogramMetric(m, false)),
  10: bodyField("exponential_histogram", "exponentialHistogram", (m) => decodeHistogramMetric(m, true)),
  11: bodyField("summary", "summary", (m) => ({ kind: "summary", pointCount: countDataPoints(m) })),
});

function decodeMetric(reader: ProtoReader, decode: MetricsDecodeState): MetricData | undefined {
  const { header, body } = readFields(reader, METRIC_FIELDS, { header: { name: "", description: "", unit: "" }, body: undefined, decode });
  const metric = assembleMetric(header, body, decode.rejected);
  if (metric !== undefined) decode.dataPointCount += metric.dataPoints.length;
  return metric;
}

/** What `Gauge` / `Sum` decoding accumulates; the points are read into `sink` without a state per point. */
interface NumberMetricState {
  sink: NumberPointSink;
  temporality: number;
  isMonotonic: boolean;
  pointIndex: number;
}

const dataPointsField: FieldSpec<NumberMetricState> = {
  name: "data_points",
  wireType: WireType.LEN,
  read: (r, s) => {
    const outer = r.enter();
    decodeNumberPoint(r, s.sink);
    r.leave(outer);
    s.pointIndex++;
  },
};

const temporalityField = <S extends { temporality: number }>(): FieldSpec<S> => ({
  name: "aggregation_temporality",
  wireType: WireType.VARINT,
  read: (r, s) => {
    s.temporality = r.int32();
  },
});

/** `Gauge` { 1: data_points }. */
const GAUGE_FIELDS = fieldTable<NumberMetricState>({ 1: dataPointsField });

/** `Sum` { 1: data_points, 2: aggregation_temporality, 3: is_monotonic }. */
const SUM_FIELDS = fieldTable<NumberMetricState>({
  1: dataPointsField,
  2: temporalityField(),
  3: {
    name: "is_monotonic",
    wireType: WireType.VARINT,
    read: (r, s) => {
      s.isMonotonic = r.bool();
    },
  },
});

function decodeNumberMetric(reader: ProtoReader, kind: "gauge" | "sum", decode: MetricsDecodeState): DecodedMetricBody {
  const state: NumberMetricState = { sink: { points: [], allInt: true, rejected: decode.rejected }, temporality: 0, isMonotonic: false, pointIndex: 0 };
  try {
    readFields(reader, kind === "gauge" ? GAUGE_FIELDS : SUM_FIELDS, state);
  } catch (error) {
    throw atPoint(error, state.pointIndex);
  }
  const { points } = state.sink;
  const allInt = state.sink.allInt && points.length > 0;
  return kind === "gauge"
    ? { kind, points, allInt }
    : { kind, points, allInt, temporality: state.temporality, isMonotonic: state.isMonotonic };
}

interface HistogramMetricState {
  exponential: boolean;
  histogramPoints: DecodedDataPoint<Histogram>[];
  exponentialPoints: DecodedDataPoint<ExponentialHistogram>[];
  temporality: number;
  pointIndex: number;
}

/** `Histogram` / `ExponentialHistogram` { 1: data_points, 2: aggregation_temporality }. */
const HISTOGRAM_METRIC_FIELDS = fieldTable<HistogramMetricState>({
  1: {
    name: "data_points",
    wireType: WireType.LEN,
    read: (r, s) => {
      if (s.exponential) s.exponentialPoints.push(decodeExponentialHistogramPoint(r.message()));
      else s.histogramPoints.push(decodeHistogramPoint(r.message()));
      s.pointIndex++;
    },
  },
  2: temporalityField(),
});

function decodeHistogramMetric(reader: ProtoReader, exponential: boolean): DecodedMetricBody {
  const state: HistogramMetricState = { exponential, histogramPoints: [], exponentialPoints: [], temporality: 0, pointIndex: 0 };
  try {
    readFields(reader, HISTOGRAM_METRIC_FIELDS, state);
  } catch (error) {
    throw atPoint(error, state.pointIndex);
  }
  return exponential
    ? { kind: "exponentialHistogram", points: state.exponentialPoints, temporality: state.temporality }
    : { kind: "histogram", points: state.histogramPoints, temporality: state.temporality };
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
