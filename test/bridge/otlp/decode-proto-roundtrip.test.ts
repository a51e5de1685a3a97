import { describe, expect, it } from "vitest";
import { ProtobufLogsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { AggregationTemporality } from "@opentelemetry/sdk-metrics";
import { decodeMetricsProto } from "../../../src/bridge/otlp/decode-metrics-proto.ts";
import { decodeLogsProto } from "../../../src/bridge/otlp/decode-logs-proto.ts";
import { collectSampleMetrics, comparableLogRecord, comparableMetric, emitSampleLogs } from "../helpers/sdk-data.ts";

describe("protobuf decoding round-trips the official serializer", () => {
  for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
    it(`metrics, temporality ${AggregationTemporality[temporality]}`, async () => {
      const original = await collectSampleMetrics(temporality);
      const body = ProtobufMetricsSerializer.serializeRequest(original)!;
      const decoded = decodeMetricsProto(body);

      expect(decoded.rejected).toEqual({ count: 0, reasons: [] });
      expect(decoded.resourceMetrics).toHaveLength(1);
      const [resourceMetrics] = decoded.resourceMetrics;
      expect(resourceMetrics!.resource.attributes).toEqual(original.resource.attributes);
      expect(resourceMetrics!.resource.schemaUrl).toBe(original.resource.schemaUrl);
      expect(resourceMetrics!.scopeMetrics.map((s) => s.scope)).toEqual(original.scopeMetrics.map((s) => s.scope));
      const originalMetrics = original.scopeMetrics.flatMap((s) => s.metrics);
      const decodedMetrics = resourceMetrics!.scopeMetrics.flatMap((s) => s.metrics);
      expect(decodedMetrics.map(comparableMetric)).toEqual(originalMetrics.map(comparableMetric));
      const points = originalMetrics.reduce((n, m) => n + m.dataPoints.length, 0);
      expect(decoded.dataPointCount).toBe(points);
    });
  }

  it("logs, every field", async () => {
    const original = await emitSampleLogs();
    const body = ProtobufLogsSerializer.serializeRequest(original)!;
    const decoded = decodeLogsProto(body, { receivedAt: [1, 2] });
    expect(decoded.rejected.count).toBe(0);
    expect(decoded.logRecords.map(comparableLogRecord)).toEqual(original.map(comparableLogRecord));
    // Records of one OTLP ResourceLogs / ScopeLogs share their resource and scope objects.
    expect(new Set(decoded.logRecords.map((r) => r.resource)).size).toBe(1);
    expect(new Set(decoded.logRecords.map((r) => r.instrumentationScope)).size).toBe(1);
  });
});
