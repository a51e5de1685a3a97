import { describe, expect, it } from "vitest";
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { GrpcCode, encodeExportResponse, encodeStatus } from "../../../src/bridge/otlp/encode-response.ts";
import { ProtoReader } from "../../../src/bridge/otlp/proto-reader.ts";

describe("export responses, read back by the official OTel JS deserializers", () => {
  it("an empty success is zero bytes (protobuf) or {} (JSON)", () => {
    expect(encodeExportResponse("metrics", "protobuf")).toHaveLength(0);
    expect(new TextDecoder().decode(encodeExportResponse("logs", "json"))).toBe("{}");
    expect(ProtobufMetricsSerializer.deserializeResponse(encodeExportResponse("metrics", "protobuf"))).toEqual({});
    expect(encodeExportResponse("metrics", "protobuf", { rejected: 0, errorMessage: "" })).toHaveLength(0);
  });

  it("partial success carries the rejected count and the message", () => {
    const partial = { rejected: 300, errorMessage: "summary metrics are not supported (300 data points) — ✓" };
    const metrics = ProtobufMetricsSerializer.deserializeResponse(encodeExportResponse("metrics", "protobuf", partial));
    expect(Number(metrics.partialSuccess?.rejectedDataPoints)).toBe(300);
    expect(metrics.partialSuccess?.errorMessage).toBe(partial.errorMessage);
    const logs = ProtobufLogsSerializer.deserializeResponse(encodeExportResponse("logs", "protobuf", partial));
    expect(Number(logs.partialSuccess?.rejectedLogRecords)).toBe(300);
    expect(logs.partialSuccess?.errorMessage).toBe(partial.errorMessage);
    const json = JsonMetricsSerializer.deserializeResponse(encodeExportResponse("metrics", "json", partial));
    expect(json).toEqual({ partialSuccess: { rejectedDataPoints: "300", errorMessage: partial.errorMessage } });
    const jsonLogs = JsonLogsSerializer.deserializeResponse(encodeExportResponse("logs", "json", { rejected: 2, errorMessage: "x" }));
    expect(jsonLogs).toEqual({ partialSuccess: { rejectedLogRecords: "2", errorMessage: "x" } });
    // A warning without rejections is allowed by the spec.
    expect(ProtobufMetricsSerializer.deserializeResponse(encodeExportResponse("metrics", "protobuf", { rejected: 0, errorMessage: "warn" })).partialSuccess?.errorMessage).toBe("warn");
  });
});

describe("google.rpc.Status", () => {
  it("protobuf: code (1) and message (2)", () => {
    const reader = new ProtoReader(encodeStatus("protobuf", GrpcCode.INVALID_ARGUMENT, "bad body at byte 7"));
    const fields: Record<number, unknown> = {};
    while (reader.hasMore()) {
      const key = reader.key();
      fields[key >>> 3] = key >>> 3 === 1 ? reader.int32() : reader.string();
    }
    expect(fields).toEqual({ 1: 3, 2: "bad body at byte 7" });
  });

  it("JSON: {code, message}", () => {
    expect(JSON.parse(new TextDecoder().decode(encodeStatus("json", GrpcCode.UNAVAILABLE, "later")))).toEqual({ code: 14, message: "later" });
  });
});
