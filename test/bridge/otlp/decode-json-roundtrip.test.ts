import { describe, expect, it } from "vitest";
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { AggregationTemporality } from "@opentelemetry/sdk-metrics";
import { decodeMetricsJson } from "../../../src/bridge/otlp/decode-metrics-json.ts";
import { decodeLogsJson } from "../../../src/bridge/otlp/decode-logs-json.ts";
import { decodeMetricsProto } from "../../../src/bridge/otlp/decode-metrics-proto.ts";
import { decodeLogsProto } from "../../../src/bridge/otlp/decode-logs-proto.ts";
import { collectSampleMetrics, comparableLogRecord, comparableMetric, emitSampleLogs } from "../helpers/sdk-data.ts";

describe("JSON decoding round-trips the official serializer", () => {
  for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
    it(`metrics, temporality ${AggregationTemporality[temporality]}`, async () => {
      const original = await collectSampleMetrics(temporality);
      const decoded = decodeMetricsJson(JsonMetricsSerializer.serializeRequest(original)!);

      expect(decoded.rejected).toEqual({ count: 0, reasons: [] });
      const [resourceMetrics] = decoded.resourceMetrics;
      expect(resourceMetrics!.resource.attributes).toEqual(original.resource.attributes);
      expect(resourceMetrics!.scopeMetrics.map((s) => s.scope)).toEqual(original.scopeMetrics.map((s) => s.scope));
      const originalMetrics = original.scopeMetrics.flatMap((s) => s.metrics);
      expect(resourceMetrics!.scopeMetrics.flatMap((s) => s.metrics).map(comparableMetric)).toEqual(originalMetrics.map(comparableMetric));
    });
  }

  it("logs, every field", async () => {
    const original = await emitSampleLogs();
    const decoded = decodeLogsJson(JsonLogsSerializer.serializeRequest(original)!, { receivedAt: [1, 2] });
    expect(decoded.logRecords.map(comparableLogRecord)).toEqual(original.map(comparableLogRecord));
  });

  it("gives the same SDK objects as the protobuf decoder for the same data", async () => {
    const metrics = await collectSampleMetrics();
    const fromJson = decodeMetricsJson(JsonMetricsSerializer.serializeRequest(metrics)!);
    const fromProto = decodeMetricsProto(ProtobufMetricsSerializer.serializeRequest(metrics)!);
    expect(fromJson.resourceMetrics.map((r) => r.scopeMetrics)).toEqual(fromProto.resourceMetrics.map((r) => r.scopeMetrics));
    expect(fromJson.dataPointCount).toBe(fromProto.dataPointCount);

    const logs = await emitSampleLogs();
    const logsFromJson = decodeLogsJson(JsonLogsSerializer.serializeRequest(logs)!, { receivedAt: [1, 2] });
    const logsFromProto = decodeLogsProto(ProtobufLogsSerializer.serializeRequest(logs)!, { receivedAt: [1, 2] });
    expect(logsFromJson.logRecords.map(comparableLogRecord)).toEqual(logsFromProto.logRecords.map(comparableLogRecord));
  });
});
