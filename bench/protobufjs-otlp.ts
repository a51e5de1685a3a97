/**
 * The ecosystem's way to read an OTLP protobuf body, for the comparison bench only: the
 * protobufjs static code that `@opentelemetry/otlp-transformer` generated from the
 * opentelemetry-proto definitions (its last release that shipped it, installed as the
 * `otlp-transformer-protobufjs` devDependency), then a map of the decoded messages onto the same
 * SDK shapes our decoder returns, so both sides end in `metricsToEvents` with equal input.
 *
 * The map is written for speed as our decoder is (plain loops, no `toObject()`), and handles what
 * the bench bodies hold (gauges and sums with scalar attributes); anything else throws, so the bench
 * can never quietly compare unequal work.
 */
import { createRequire } from "node:module";
import { ValueType, type Attributes, type AttributeValue, type HrTime } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics, type ScopeMetrics } from "@opentelemetry/sdk-metrics";

/** protobufjs' 64-bit value (a `long` Long when that package is installed, else a number). */
type PbLong = number | { low: number; high: number };

interface PbAnyValue {
  /** The oneof getter of the generated class: which field is set. */
  readonly value?: "stringValue" | "boolValue" | "intValue" | "doubleValue" | "arrayValue" | "kvlistValue" | "bytesValue";
  stringValue: string | null;
  boolValue: boolean | null;
  intValue: PbLong | null;
  doubleValue: number | null;
}
interface PbKeyValue {
  key: string;
  value: PbAnyValue | null;
}
interface PbNumberDataPoint {
  readonly value?: "asDouble" | "asInt";
  attributes: PbKeyValue[];
  startTimeUnixNano: PbLong;
  timeUnixNano: PbLong;
  asDouble: number | null;
  asInt: PbLong | null;
  flags: number;
}
interface PbMetric {
  name: string;
  description: string;
  unit: string;
  gauge: { dataPoints: PbNumberDataPoint[] } | null;
  sum: { dataPoints: PbNumberDataPoint[]; aggregationTemporality: number; isMonotonic: boolean } | null;
}
interface PbScopeMetrics {
  scope: { name: string; version: string } | null;
  metrics: PbMetric[];
  schemaUrl: string;
}
interface PbResourceMetrics {
  resource: { attributes: PbKeyValue[] } | null;
  scopeMetrics: PbScopeMetrics[];
  schemaUrl: string;
}
interface PbMessageType<T> {
  decode(body: Uint8Array): T;
}
interface GeneratedRoot {
  opentelemetry: { proto: { collector: { metrics: { v1: { ExportMetricsServiceRequest: PbMessageType<{ resourceMetrics: PbResourceMetrics[] }> } } } } };
}

const root = createRequire(import.meta.url)("otlp-transformer-protobufjs/build/src/generated/root.js") as GeneratedRoot;
const ExportMetricsServiceRequest = root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
const TWO_32 = 4294967296;

export interface ProtobufjsDecoded {
  resourceMetrics: ResourceMetrics[];
  dataPointCount: number;
}

/** protobufjs decode of an `ExportMetricsServiceRequest`, mapped onto SDK `ResourceMetrics`. */
export function decodeMetricsWithProtobufjs(body: Uint8Array): ProtobufjsDecoded {
  const request = ExportMetricsServiceRequest.decode(body);
  let dataPointCount = 0;
  const resourceMetrics = request.resourceMetrics.map((rm): ResourceMetrics => ({
    resource: resourceFromAttributes(toAttributes(rm.resource?.attributes ?? []), rm.schemaUrl === "" ? undefined : { schemaUrl: rm.schemaUrl }),
    scopeMetrics: rm.scopeMetrics.map((sm): ScopeMetrics => {
      const metrics = sm.metrics.map(toMetricData);
      for (const m of metrics) dataPointCount += m.dataPoints.length;
      return { scope: { name: sm.scope?.name ?? "", ...(sm.scope?.version ? { version: sm.scope.version } : {}) }, metrics };
    }),
  }));
  return { resourceMetrics, dataPointCount };
}

function toMetricData(metric: PbMetric): MetricData {
  const numbers = metric.gauge ?? metric.sum;
  if (numbers === null) throw new Error(`protobufjs bench map: metric ${metric.name} is neither a gauge nor a sum`);
  let allInt = numbers.dataPoints.length > 0;
  const dataPoints = numbers.dataPoints.map((p) => {
    const isInt = p.value === "asInt";
    if (!isInt) allInt = false;
    const value = isInt ? longToNumber(p.asInt!) : (p.asDouble ?? Number.NaN);
    const point = { startTime: nanosToHrTime(p.startTimeUnixNano), endTime: nanosToHrTime(p.timeUnixNano), attributes: toAttributes(p.attributes), value };
    return p.flags === 0 ? point : { ...point, flags: p.flags };
  });
  const descriptor = { name: metric.name, description: metric.description, unit: metric.unit, valueType: allInt ? ValueType.INT : ValueType.DOUBLE };
  if (metric.sum !== null) {
    const temporality = metric.sum.aggregationTemporality === 1 ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    return { descriptor, aggregationTemporality: temporality, dataPointType: DataPointType.SUM, dataPoints, isMonotonic: metric.sum.isMonotonic };
  }
  return { descriptor, aggregationTemporality: AggregationTemporality.DELTA, dataPointType: DataPointType.GAUGE, dataPoints };
}

function toAttributes(list: readonly PbKeyValue[]): Attributes {
  const attributes: Attributes = {};
  for (const { key, value } of list) {
    if (value !== null) attributes[key] = scalar(value);
  }
  return attributes;
}

function scalar(v: PbAnyValue): AttributeValue {
  switch (v.value) {
    case "stringValue":
      return v.stringValue!;
    case "boolValue":
      return v.boolValue!;
    case "intValue":
      return longToNumber(v.intValue!);
    case "doubleValue":
      return v.doubleValue!;
    default:
      throw new Error(`protobufjs bench map: attribute value ${String(v.value)} is not a scalar`);
  }
}

function longToNumber(value: PbLong): number {
  return typeof value === "number" ? value : value.high * TWO_32 + (value.low >>> 0);
}

/** The same exact split as our reader's `fixed64Nanos`, so neither side pays for a bigint. */
function nanosToHrTime(nanos: PbLong): HrTime {
  if (typeof nanos === "number") return [Math.floor(nanos / 1e9), nanos % 1e9];
  const lo = nanos.low >>> 0;
  const hi = nanos.high >>> 0;
  const a = hi >>> 16;
  const b = hi & 0xffff;
  const remainder = a * 976_710_656 + b * 294_967_296 + lo;
  const carry = Math.floor(remainder / 1e9);
  return [a * 281_474 + b * 4 + carry, remainder - carry * 1e9];
}
