/**
 * The OTLP/JSON examples of opentelemetry-proto (fixtures/, Apache-2.0, see fixtures/README.md)
 * decode into the SDK shapes as the example documents them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ValueType } from "@opentelemetry/api";
import { AggregationTemporality, DataPointType } from "@opentelemetry/sdk-metrics";
import { decodeMetricsJson } from "../../../src/bridge/otlp/decode-metrics-json.ts";
import { decodeLogsJson } from "../../../src/bridge/otlp/decode-logs-json.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
// 1544712660300000000 ns
const EXAMPLE_TIME: [number, number] = [1_544_712_660, 300_000_000];

describe("official OTLP/JSON examples", () => {
  it("metrics.json: a counter, a gauge, a histogram and an exponential histogram", () => {
    const decoded = decodeMetricsJson(fixture("metrics.json"));
    expect(decoded.rejected.count).toBe(0);
    expect(decoded.dataPointCount).toBe(4);
    const [rm] = decoded.resourceMetrics;
    expect(rm!.resource.attributes).toEqual({ "service.name": "my.service" });
    const [sm] = rm!.scopeMetrics;
    expect(sm!.scope).toEqual({ name: "my.library", version: "1.0.0" });
    const [counter, gauge, histogram, exponential] = sm!.metrics;

    expect(counter).toMatchObject({
      descriptor: { name: "my.counter", unit: "1", description: "I am a Counter", valueType: ValueType.DOUBLE },
      dataPointType: DataPointType.SUM,
      aggregationTemporality: AggregationTemporality.DELTA, // OTLP 1
      isMonotonic: true,
      dataPoints: [{ value: 5, startTime: EXAMPLE_TIME, endTime: EXAMPLE_TIME, attributes: { "my.counter.attr": "some value" } }],
    });
    expect(gauge).toMatchObject({
      descriptor: { name: "my.gauge", description: "I am a Gauge" },
      dataPointType: DataPointType.GAUGE,
      // startTimeUnixNano is omitted in the example: zero, i.e. unknown.
      dataPoints: [{ value: 10, startTime: [0, 0], endTime: EXAMPLE_TIME, attributes: { "my.gauge.attr": "some value" } }],
    });
    expect(histogram).toMatchObject({
      dataPointType: DataPointType.HISTOGRAM,
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPoints: [{ value: { count: 2, sum: 2, min: 0, max: 2, buckets: { boundaries: [1], counts: [1, 1] } }, attributes: { "my.histogram.attr": "some value" } }],
    });
    expect(exponential).toMatchObject({
      dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
      dataPoints: [
        {
          value: { count: 3, sum: 10, scale: 0, zeroCount: 1, positive: { offset: 1, bucketCounts: [0, 2] }, negative: { offset: 0, bucketCounts: [] }, min: 0, max: 5 },
        },
      ],
    });
  });

  it("logs.json: one record with severity, trace context, body and every attribute type", () => {
    const decoded = decodeLogsJson(fixture("logs.json"));
    expect(decoded.logRecords).toHaveLength(1);
    const [record] = decoded.logRecords;
    expect(record).toMatchObject({
      hrTime: EXAMPLE_TIME,
      hrTimeObserved: EXAMPLE_TIME,
      severityNumber: 10,
      severityText: "Information",
      // Hex ids are case-insensitive in OTLP/JSON; the SDK holds them in lower case.
      spanContext: { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", traceFlags: 0 },
      body: "Example log record",
      instrumentationScope: { name: "my.library", version: "1.0.0", attributes: { "my.scope.attribute": "some scope attribute" } },
      attributes: {
        "string.attribute": "some string",
        "boolean.attribute": true,
        "int.attribute": 10,
        "double.attribute": 637.704,
        "array.attribute": ["many", "values"],
        "map.attribute": { "some.map.key": "some value" },
      },
      droppedAttributesCount: 0,
    });
    expect(record!.resource.attributes).toEqual({ "service.name": "my.service" });
  });
});
