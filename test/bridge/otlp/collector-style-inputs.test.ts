/**
 * Inputs the official JS serializer never produces but real senders do: the Collector's pdata
 * JSON (64-bit ints as strings, "NaN"/"Infinity", omitted zero fields), snake_case keys, enum
 * names, nulls, unknown fields; hand-built protobuf with fields out of order, unpacked repeated
 * scalars, summaries, flagged points and unknown fields.
 */
import { describe, expect, it } from "vitest";
import { ValueType } from "@opentelemetry/api";
import { AggregationTemporality, DataPointType, type GaugeMetricData, type SumMetricData } from "@opentelemetry/sdk-metrics";
import { decodeMetricsJson } from "../../../src/bridge/otlp/decode-metrics-json.ts";
import { decodeLogsJson } from "../../../src/bridge/otlp/decode-logs-json.ts";
import { decodeMetricsProto } from "../../../src/bridge/otlp/decode-metrics-proto.ts";
import { decodeLogsProto } from "../../../src/bridge/otlp/decode-logs-proto.ts";
import { OtlpDecodeError } from "../../../src/bridge/otlp/otlp-decode-error.ts";
import { JsonLogsSerializer, ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { encode, kv, str, type Field } from "../helpers/proto-writer.ts";

const collectorMetrics = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "trainer" } }, { key: "host.cpus", value: { intValue: "9007199254740993" } }] },
      scopeMetrics: [
        {
          scope: { name: "otelcol/hostmetrics" },
          metrics: [
            {
              name: "train.loss",
              gauge: {
                dataPoints: [
                  { timeUnixNano: "1764000000123456789", asDouble: 0, attributes: [{ key: "step", value: { intValue: "7" } }] },
                  { timeUnixNano: "1764000000123456789", asDouble: "NaN" },
                  { timeUnixNano: "1764000000123456789", asDouble: "-Infinity" },
                  { timeUnixNano: "1764000000123456789", flags: 1 },
                ],
              },
            },
            { name: "samples", sum: { aggregationTemporality: "AGGREGATION_TEMPORALITY_CUMULATIVE", isMonotonic: true, dataPoints: [{ asInt: "123456789012", startTimeUnixNano: 1764000000000000000 }] } },
            { name: "rpc.latency", summary: { dataPoints: [{ count: "3", sum: 1.5, quantileValues: [] }, { count: "1" }] } },
            { name: "bad.temporality", sum: { dataPoints: [{ asInt: 1 }, { asInt: 2 }] } },
            { name: "lat", histogram: { aggregationTemporality: 2, dataPoints: [{ count: "4", bucketCounts: ["1", "3"], explicitBounds: [2.5] }] }, someFutureField: { x: 1 } },
          ],
        },
      ],
    },
  ],
};

describe("collector-style OTLP/JSON", () => {
  it("accepts string ints, NaN/Infinity, omitted zeros and enum names, and rejects what has no SDK shape", () => {
    const decoded = decodeMetricsJson(JSON.stringify(collectorMetrics));
    const [rm] = decoded.resourceMetrics;
    // Beyond 2^53 an int attribute stays exact as a decimal string.
    expect(rm!.resource.attributes).toEqual({ "service.name": "trainer", "host.cpus": "9007199254740993" });
    const [loss, samples, latency] = rm!.scopeMetrics[0]!.metrics as [GaugeMetricData, SumMetricData, unknown];
    expect(loss.dataPoints.map((p) => p.value)).toEqual([0, NaN, -Infinity, NaN]);
    expect(loss.dataPoints[0]).toMatchObject({ endTime: [1_764_000_000, 123_456_789], startTime: [0, 0], attributes: { step: 7 } });
    expect(loss.dataPoints[0]).not.toHaveProperty("flags");
    expect(loss.dataPoints[3]).toHaveProperty("flags", 1);
    expect(samples).toMatchObject({
      dataPointType: DataPointType.SUM,
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      descriptor: { valueType: ValueType.INT },
      dataPoints: [{ value: 123_456_789_012 }],
    });
    expect(latency).toMatchObject({ dataPointType: DataPointType.HISTOGRAM, dataPoints: [{ value: { count: 4, buckets: { counts: [1, 3], boundaries: [2.5] } } }] });
    expect(rm!.scopeMetrics[0]!.metrics.map((m) => m.descriptor.name)).toEqual(["train.loss", "samples", "lat"]);
    expect(decoded.dataPointCount).toBe(6);
    expect(decoded.rejected).toEqual({
      count: 4,
      reasons: [
        { reason: "summary metrics are not supported", count: 2 },
        { reason: "aggregation temporality 0 is not DELTA (1) or CUMULATIVE (2)", count: 2 },
      ],
    });
  });

  it("accepts snake_case keys (the Collector's reader does) and nulls for unset fields", () => {
    const snake = JSON.stringify(collectorMetrics)
      .replaceAll("resourceMetrics", "resource_metrics")
      .replaceAll("scopeMetrics", "scope_metrics")
      .replaceAll("dataPoints", "data_points")
      .replaceAll("timeUnixNano", "time_unix_nano")
      .replaceAll("asDouble", "as_double")
      .replaceAll("intValue", "int_value")
      .replaceAll("aggregationTemporality", "aggregation_temporality");
    expect(decodeMetricsJson(snake)).toEqual(decodeMetricsJson(JSON.stringify(collectorMetrics)));
    const withNulls = { resourceMetrics: [{ resource: null, schemaUrl: null, scopeMetrics: [{ scope: null, metrics: [{ name: "g", description: null, gauge: { dataPoints: [{ asDouble: 1, attributes: null, flags: null }] } }] }] }] };
    const decoded = decodeMetricsJson(JSON.stringify(withNulls));
    expect(decoded.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]).toMatchObject({ descriptor: { name: "g", description: "" }, dataPoints: [{ value: 1, attributes: {} }] });
  });

  it("accepts an empty request and empty lists as success with nothing in them", () => {
    for (const body of ["{}", '{"resourceMetrics":[]}', '{"resourceMetrics":[{}]}']) {
      expect(decodeMetricsJson(body)).toMatchObject({ dataPointCount: 0, rejected: { count: 0 } });
    }
  });

  it("decodes collector log JSON: base64 bytes body, hex ids, severity names, missing times", () => {
    const body = {
      resource_logs: [
        {
          scope_logs: [
            {
              log_records: [
                { body: { bytesValue: "AAEC+v8=" }, severityNumber: "SEVERITY_NUMBER_WARN", traceId: "", spanId: "" },
                { observedTimeUnixNano: "1764000000000000001", traceId: "0123456789ABCDEF0123456789ABCDEF", spanId: "0123456789abcdef", flags: 257, eventName: "ckpt" },
              ],
            },
          ],
        },
      ],
    };
    const decoded = decodeLogsJson(JSON.stringify(body), { receivedAt: [5, 6] });
    const [first, second] = decoded.logRecords;
    expect(first).toMatchObject({ body: new Uint8Array([0, 1, 2, 250, 255]), severityNumber: 13, hrTime: [0, 0], hrTimeObserved: [5, 6] });
    expect(first).not.toHaveProperty("spanContext");
    expect(second).toMatchObject({
      hrTimeObserved: [1_764_000_000, 1],
      eventName: "ckpt",
      spanContext: { traceId: "0123456789abcdef0123456789abcdef", spanId: "0123456789abcdef", traceFlags: 1 },
    });
  });

  it("names the field and the value when the JSON does not match OTLP", () => {
    const cases: [unknown, RegExp][] = [
      [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "x", gauge: { dataPoints: [{ asDouble: "fast" }] } }] }] }] }, /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[0\]\.asDouble.*"fast"/],
      [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "x", sum: { dataPoints: [{ asInt: "1.5" }] } }] }] }] }, /asInt/],
      [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "x", gauge: { dataPoints: [{ timeUnixNano: "-5", asInt: 1 }] } }] }] }] }, /timeUnixNano/],
      [{ resourceMetrics: "nope" }, /resourceMetrics/],
    ];
    for (const [body, pattern] of cases) {
      const error = captureError(() => decodeMetricsJson(JSON.stringify(body)));
      expect(error).toBeInstanceOf(OtlpDecodeError);
      expect(`${(error as OtlpDecodeError).path} ${(error as OtlpDecodeError).message}`).toMatch(pattern);
    }
    expect(captureError(() => decodeLogsJson('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"xyz"}]}]}]}'))).toMatchObject({ path: "resourceLogs[0].scopeLogs[0].logRecords[0].traceId" });
    expect(captureError(() => decodeMetricsJson("{not json"))).toBeInstanceOf(OtlpDecodeError);
    expect(captureError(() => decodeMetricsJson("[".repeat(100_000) + "]".repeat(100_000)))).toBeInstanceOf(OtlpDecodeError);
  });
});

describe("hand-built protobuf", () => {
  const point = (fields: Field[]): Field => ({ f: 1, message: fields });
  const metric = (fields: Field[]): Field => ({ f: 2, message: fields });
  const request = (metrics: Field[], resourceFirst: boolean): Uint8Array => {
    const resource: Field = { f: 1, message: [{ f: 1, message: kv("service.name", str("svc")) }] };
    const scope: Field = { f: 2, message: [{ f: 99, string: "unknown field" }, { f: 1, message: str("scope") }, ...metrics] };
    return encode([{ f: 1, message: resourceFirst ? [resource, scope] : [scope, { f: 7, fixed32: 1 }, resource] }]);
  };
  const metrics = [
    // name after data, an unknown varint field, as_int then flags
    metric([{ f: 5, message: [point([{ f: 6, fixed64: -3n }, { f: 3, fixed64: 10n ** 18n }, { f: 42, varint: 1 }]), point([{ f: 8, varint: 1 }])] }, { f: 1, string: "g" }]),
    metric([{ f: 1, string: "s" }, { f: 11, message: [point([]), point([]), point([])] }]),
    metric([{ f: 1, string: "novalue" }, { f: 5, message: [point([{ f: 3, fixed64: 1n }])] }]),
    // histogram with unpacked bucket counts and bounds
    metric([{ f: 1, string: "h" }, { f: 9, message: [{ f: 2, varint: 1 }, point([{ f: 4, fixed64: 3n }, { f: 6, fixed64: 1n }, { f: 6, fixed64: 2n }, { f: 7, double: 0.5 }, { f: 10, varint: 1 }])] }]),
  ];

  it("decodes fields in any order, skips unknown fields, reads unpacked repeated scalars", () => {
    for (const resourceFirst of [true, false]) {
      const decoded = decodeMetricsProto(request(metrics, resourceFirst));
      const [rm] = decoded.resourceMetrics;
      expect(rm!.resource.attributes).toEqual({ "service.name": "svc" });
      const [gauge, histogram] = rm!.scopeMetrics[0]!.metrics;
      expect(gauge).toMatchObject({ descriptor: { name: "g", valueType: ValueType.DOUBLE }, dataPoints: [{ value: -3, endTime: [1_000_000_000, 0] }, { value: NaN, flags: 1 }] });
      expect(histogram).toMatchObject({ aggregationTemporality: AggregationTemporality.DELTA, dataPoints: [{ flags: 1, value: { count: 3, buckets: { counts: [1, 2], boundaries: [0.5] } } }] });
      expect(decoded.rejected).toEqual({
        count: 4,
        reasons: [
          { reason: "summary metrics are not supported", count: 3 },
          { reason: "data point without a value", count: 1 },
        ],
      });
    }
  });

  it("rejects ids of the wrong size with the field's path", () => {
    const body = encode([{ f: 1, message: [{ f: 2, message: [{ f: 2, message: [{ f: 9, bytes: new Uint8Array(5) }] }] }] }]);
    const error = captureError(() => decodeLogsProto(body));
    expect(error).toBeInstanceOf(OtlpDecodeError);
    expect(error).toMatchObject({ path: "resourceLogs[0].scopeLogs[0].logRecords[0]" });
    expect((error as Error).message).toMatch(/trace_id must be 16 bytes, got 5/);
  });

  it("reports the path of a wire-type mismatch deep in a metric", () => {
    const body = request([metric([{ f: 1, string: "g" }, { f: 5, message: [point([{ f: 3, varint: 5 }])] }])], true);
    expect(captureError(() => decodeMetricsProto(body))).toMatchObject({ path: "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0]" });
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("JSON keys that are not OTLP fields", () => {
  it("a __proto__ key is an unknown field like any other (JSON.parse makes it an own property)", () => {
    const body = '{"__proto__": {"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"name": "x", "gauge": {"dataPoints": [{"asDouble": 1}]}}]}]}]}}';
    expect(decodeMetricsJson(body)).toMatchObject({ resourceMetrics: [], dataPointCount: 0 });
    expect(({} as Record<string, unknown>).resourceMetrics).toBeUndefined();
  });
});

describe("nesting limits", () => {
  /** A JS value with `levels` arrays / objects around a leaf, alternating. */
  const nested = (levels: number): unknown => {
    let value: unknown = "leaf";
    for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { k: value };
    return value;
  };
  const leafOf = (value: unknown, levels: number): unknown => {
    let current = value;
    for (let i = levels - 1; i >= 0; i--) current = i % 2 === 0 ? (current as unknown[])[0] : (current as Record<string, unknown>).k;
    return current;
  };
  const records = async (body: unknown) => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    provider.getLogger("t").emit({ body: body });
    await provider.forceFlush();
    return exporter.getFinishedLogRecords();
  };

  it("both encodings decode 64 levels and refuse 65, naming the record", async () => {
    const ok = await records(nested(64));
    const tooDeep = await records(nested(65));
    const decoders = [
      (r: typeof ok) => decodeLogsProto(ProtobufLogsSerializer.serializeRequest(r)!),
      (r: typeof ok) => decodeLogsJson(JsonLogsSerializer.serializeRequest(r)!),
    ];
    for (const decode of decoders) {
      expect(leafOf(decode(ok).logRecords[0]!.body, 64)).toBe("leaf");
      const error = captureError(() => decode(tooDeep));
      expect(error).toBeInstanceOf(OtlpDecodeError);
      expect((error as OtlpDecodeError).message).toMatch(/nested deeper than 64 levels/);
      expect((error as OtlpDecodeError).path).toMatch(/^resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]/);
    }
  });
});
