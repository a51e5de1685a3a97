/**
 * Protobuf `ExportLogsServiceRequest` → SDK `ReadableLogRecord[]`
 * (opentelemetry/proto/logs/v1/logs.proto and collector/logs/v1/logs_service.proto, v1.x).
 */
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { DecodeOptions, DecodedLogsRequest } from "./decoded-types.ts";
import { decodeAnyValue, decodeResource, decodeScope, readKeyValueInto, type DecodedResource } from "./decode-common-proto.ts";
import { buildLogRecord, bytesToHex, logScope, type LogFields, type LogScope } from "./log-shapes.ts";
import { decodingField as within } from "./otlp-decode-error.ts";
import { ProtoReader, WireType } from "./proto-reader.ts";
import { RejectionTally, currentHrTime, sdkResource } from "./sdk-shapes.ts";

export function decodeLogsProto(body: Uint8Array, options: DecodeOptions = {}): DecodedLogsRequest {
  const reader = new ProtoReader(body);
  const receivedAt = options.receivedAt ?? currentHrTime();
  const logRecords: ReadableLogRecord[] = [];
  let index = 0;
  while (reader.hasMore()) {
    const key = reader.key();
    if (key >>> 3 !== 1) {
      reader.skip(key & 7);
      continue;
    }
    reader.expect(key & 7, WireType.LEN, "resource_logs");
    within(`resourceLogs[${index++}]`, () => decodeResourceLogs(reader.message(), receivedAt, logRecords));
  }
  return { logRecords, rejected: new RejectionTally().result() };
}

/**
 * `ResourceLogs` { 1: resource, 2: scope_logs, 3: schema_url }. The resource may follow its
 * scope logs on the wire, so records are decoded first and get their `resource` at the end.
 */
function decodeResourceLogs(reader: ProtoReader, receivedAt: [number, number], into: ReadableLogRecord[]): void {
  let resource: DecodedResource = { attributes: {}, droppedAttributesCount: 0 };
  let schemaUrl = "";
  const scopes: { scope: LogScope; records: LogFields[] }[] = [];
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 1:
        reader.expect(wireType, WireType.LEN, "resource");
        resource = within("resource", () => decodeResource(reader.message()));
        break;
      case 2: {
        reader.expect(wireType, WireType.LEN, "scope_logs");
        const message = reader.message();
        scopes.push(within(`scopeLogs[${scopes.length}]`, () => decodeScopeLogs(message)));
        break;
      }
      case 3:
        reader.expect(wireType, WireType.LEN, "schema_url");
        schemaUrl = reader.string();
        break;
      default:
        reader.skip(wireType);
    }
  }
  const sdkResourceObject = sdkResource(resource, schemaUrl);
  for (const { scope, records } of scopes) {
    for (const fields of records) into.push(buildLogRecord(fields, sdkResourceObject, scope, receivedAt));
  }
}

/** `ScopeLogs` { 1: scope, 2: log_records, 3: schema_url }. */
function decodeScopeLogs(reader: ProtoReader): { scope: LogScope; records: LogFields[] } {
  let scope = { name: "", version: "", attributes: {}, droppedAttributesCount: 0 };
  let schemaUrl = "";
  const records: LogFields[] = [];
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 1:
        reader.expect(wireType, WireType.LEN, "scope");
        scope = within("scope", () => decodeScope(reader.message()));
        break;
      case 2: {
        reader.expect(wireType, WireType.LEN, "log_records");
        const message = reader.message();
        records.push(within(`logRecords[${records.length}]`, () => decodeLogRecord(message)));
        break;
      }
      case 3:
        reader.expect(wireType, WireType.LEN, "schema_url");
        schemaUrl = reader.string();
        break;
      default:
        reader.skip(wireType);
    }
  }
  return { scope: logScope(scope, schemaUrl), records };
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
