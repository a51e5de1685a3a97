/**
 * Protobuf `ExportLogsServiceRequest` → SDK `ReadableLogRecord[]`
 * (opentelemetry/proto/logs/v1/logs.proto and collector/logs/v1/logs_service.proto, v1.x).
 */
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { DecodeOptions, DecodedLogsRequest } from "./decoded-types.ts";
import { decodeAnyValue, readKeyValueInto } from "./decode-common-proto.ts";
import { envelopeDecoder } from "./decode-envelope-proto.ts";
import { buildLogRecord, bytesToHex, logScope, type LogFields } from "./log-shapes.ts";
import { fieldTable, readFields, type FieldSpec } from "./proto-fields.ts";
import { WireType, type ProtoReader } from "./proto-reader.ts";
import { RejectionTally, currentHrTime, sdkResource } from "./sdk-shapes.ts";

const decodeEnvelope = envelopeDecoder({ resources: "resourceLogs", scopes: "scopeLogs", items: "logRecords" });

export function decodeLogsProto(body: Uint8Array, options: DecodeOptions = {}): DecodedLogsRequest {
  const receivedAt = options.receivedAt ?? currentHrTime();
  const logRecords: ReadableLogRecord[] = [];
  // Records of one resource share its Resource object, and those of one scope its scope object.
  for (const group of decodeEnvelope(body, decodeLogRecord)) {
    const resource = sdkResource(group.resource, group.schemaUrl);
    for (const { scope, schemaUrl, items } of group.scopes) {
      const sdkScope = logScope(scope, schemaUrl);
      for (const fields of items) logRecords.push(buildLogRecord(fields, resource, sdkScope, receivedAt));
    }
  }
  return { logRecords, rejected: new RejectionTally().result() };
}

type LogField = FieldSpec<LogFields>;

function stringField(name: string, key: "severityText" | "eventName"): LogField {
  return {
    name,
    wireType: WireType.LEN,
    read: (r, s) => {
      s[key] = r.string();
    },
  };
}

function nanosField(name: string, key: "timeNanos" | "observedTimeNanos"): LogField {
  return {
    name,
    wireType: WireType.I64,
    read: (r, s) => {
      s[key] = r.fixed64();
    },
  };
}

function idField(name: string, key: "traceId" | "spanId", size: number): LogField {
  return {
    name,
    wireType: WireType.LEN,
    read: (r, s) => {
      s[key] = idToHex(r, size, name);
    },
  };
}

/**
 * `LogRecord` { 1: time_unix_nano, 11: observed_time_unix_nano, 2: severity_number,
 * 3: severity_text, 5: body, 6: attributes, 7: dropped_attributes_count, 8: flags (fixed32),
 * 9: trace_id (16 bytes), 10: span_id (8 bytes), 12: event_name }.
 */
const LOG_RECORD_FIELDS = fieldTable<LogFields>({
  1: nanosField("time_unix_nano", "timeNanos"),
  11: nanosField("observed_time_unix_nano", "observedTimeNanos"),
  2: {
    name: "severity_number",
    wireType: WireType.VARINT,
    read: (r, s) => {
      s.severityNumber = r.int32();
    },
  },
  3: stringField("severity_text", "severityText"),
  5: {
    name: "body",
    wireType: WireType.LEN,
    read: (r, s) => {
      s.body = decodeAnyValue(r.message(), 0);
    },
  },
  6: { name: "attributes", wireType: WireType.LEN, read: (r, s) => readKeyValueInto(r, s.attributes) },
  7: {
    name: "dropped_attributes_count",
    wireType: WireType.VARINT,
    read: (r, s) => {
      s.droppedAttributesCount = r.uint32();
    },
  },
  8: {
    name: "flags",
    wireType: WireType.I32,
    read: (r, s) => {
      s.flags = r.fixed32();
    },
  },
  9: idField("trace_id", "traceId", 16),
  10: idField("span_id", "spanId", 8),
  12: stringField("event_name", "eventName"),
});

function decodeLogRecord(reader: ProtoReader): LogFields {
  return readFields(reader, LOG_RECORD_FIELDS, {
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
  });
}

/** Trace and span ids are fixed-size; empty means "not set". */
function idToHex(reader: ProtoReader, size: number, field: string): string {
  const at = reader.pos;
  const bytes = reader.lengthDelimited();
  if (bytes.length === 0) return "";
  if (bytes.length !== size) throw reader.error(`${field} must be ${size} bytes, got ${bytes.length}`, at);
  return bytesToHex(bytes);
}
