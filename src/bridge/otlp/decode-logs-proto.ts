/**
 * Protobuf `ExportLogsServiceRequest` → SDK `ReadableLogRecord[]`
 * (opentelemetry/proto/logs/v1/logs.proto and collector/logs/v1/logs_service.proto, v1.x).
 */
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { DecodeOptions, DecodedLogsRequest } from "./decoded-types.ts";
import { decodeAnyValue, readKeyValueInto } from "./decode-common-proto.ts";
import { decodeEnvelope } from "./decode-envelope-proto.ts";
import { buildLogRecord, bytesToHex, logScope, type LogFields } from "./log-shapes.ts";
import { WireType, type ProtoReader } from "./proto-reader.ts";
import { RejectionTally, currentHrTime, sdkResource } from "./sdk-shapes.ts";

const NAMES = { resources: "resourceLogs", scopes: "scopeLogs", items: "logRecords" };

export function decodeLogsProto(body: Uint8Array, options: DecodeOptions = {}): DecodedLogsRequest {
  const receivedAt = options.receivedAt ?? currentHrTime();
  const logRecords: ReadableLogRecord[] = [];
  // Records of one resource share its Resource object, and those of one scope its scope object.
  for (const group of decodeEnvelope(body, NAMES, decodeLogRecord)) {
    const resource = sdkResource(group.resource, group.schemaUrl);
    for (const { scope, schemaUrl, items } of group.scopes) {
      const sdkScope = logScope(scope, schemaUrl);
      for (const fields of items) logRecords.push(buildLogRecord(fields, resource, sdkScope, receivedAt));
    }
  }
  return { logRecords, rejected: new RejectionTally().result() };
}

/**
 * `LogRecord` { 1: time_unix_nano, 11: observed_time_unix_nano, 2: severity_number,
 * 3: severity_text, 5: body, 6: attributes, 7: dropped_attributes_count, 8: flags (fixed32),
 * 9: trace_id (16 bytes), 10: span_id (8 bytes), 12: event_name }.
 */
function decodeLogRecord(reader: ProtoReader): LogFields {
  const fields: LogFields = {
    timeNanos: 0n,
    observedTimeNanos: 0n,
    severityNumber: 0,
    severityText: "",
    body: undefined,
    attributes: {},
    droppedAttributesCount: 0,
    flags: 0,
    traceId: "",
    spanId: "",
    eventName: "",
  };
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 1:
        reader.expect(wireType, WireType.I64, "time_unix_nano");
        fields.timeNanos = reader.fixed64();
        break;
      case 11:
        reader.expect(wireType, WireType.I64, "observed_time_unix_nano");
        fields.observedTimeNanos = reader.fixed64();
        break;
      case 2:
        reader.expect(wireType, WireType.VARINT, "severity_number");
        fields.severityNumber = reader.int32();
        break;
      case 3:
        reader.expect(wireType, WireType.LEN, "severity_text");
        fields.severityText = reader.string();
        break;
      case 5:
        reader.expect(wireType, WireType.LEN, "body");
        fields.body = decodeAnyValue(reader.message(), 0);
        break;
      case 6:
        reader.expect(wireType, WireType.LEN, "attributes");
        readKeyValueInto(reader, fields.attributes);
        break;
      case 7:
        reader.expect(wireType, WireType.VARINT, "dropped_attributes_count");
        fields.droppedAttributesCount = reader.uint32();
        break;
      case 8:
        reader.expect(wireType, WireType.I32, "flags");
        fields.flags = reader.fixed32();
        break;
      case 9:
        reader.expect(wireType, WireType.LEN, "trace_id");
        fields.traceId = idToHex(reader, 16, "trace_id");
        break;
      case 10:
        reader.expect(wireType, WireType.LEN, "span_id");
        fields.spanId = idToHex(reader, 8, "span_id");
        break;
      case 12:
        reader.expect(wireType, WireType.LEN, "event_name");
        fields.eventName = reader.string();
        break;
      default:
        reader.skip(wireType);
    }
  }
  return fields;
}

/** Trace and span ids are fixed-size; empty means "not set". */
function idToHex(reader: ProtoReader, size: number, field: string): string {
  const at = reader.pos;
  const bytes = reader.lengthDelimited();
  if (bytes.length === 0) return "";
  if (bytes.length !== size) throw reader.error(`${field} must be ${size} bytes, got ${bytes.length}`, at);
  return bytesToHex(bytes);
}
