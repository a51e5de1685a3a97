/**
 * Decoded OTLP log record fields → the SDK's `ReadableLogRecord` shape, shared by the protobuf
 * and JSON decoders. Unset OTLP fields (0, "") become absent properties, as on SDK records.
 */
import type { Attributes, HrTime, SpanContext } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { nanosToHrTime } from "./sdk-shapes.ts";
import type { DecodedScope } from "./decode-common-proto.ts";

export interface LogFields {
  timeNanos: bigint;
  observedTimeNanos: bigint;
  severityNumber: number;
  severityText: string;
  body: unknown;
  attributes: Attributes;
  droppedAttributesCount: number;
  /** OTLP `LogRecordFlags`; the low 8 bits are the W3C trace flags. */
  flags: number;
  /** Lower-case hex, or "" when unset. */
  traceId: string;
  spanId: string;
  eventName: string;
}

export type LogScope = ReadableLogRecord["instrumentationScope"];

const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

/** One scope object per OTLP `ScopeLogs`, shared by its records (SDK scopes have stable identity). */
export function logScope(scope: DecodedScope, schemaUrl: string): LogScope {
  return {
    name: scope.name,
    ...(scope.version === "" ? {} : { version: scope.version }),
    ...(schemaUrl === "" ? {} : { schemaUrl }),
    ...(Object.keys(scope.attributes).length === 0 ? {} : { attributes: scope.attributes }),
    ...(scope.droppedAttributesCount === 0 ? {} : { droppedAttributesCount: scope.droppedAttributesCount }),
  };
}

/**
 * `time_unix_nano` 0 means "unknown" in OTLP and stays `[0, 0]`; an unset observed time becomes
 * `receivedAt`, the moment the bridge observed the record.
 */
export function buildLogRecord(fields: LogFields, resource: Resource, scope: LogScope, receivedAt: HrTime): ReadableLogRecord {
  const record: {
    -readonly [K in keyof ReadableLogRecord]: ReadableLogRecord[K];
  } = {
    hrTime: nanosToHrTime(fields.timeNanos),
    hrTimeObserved: fields.observedTimeNanos === 0n ? receivedAt : nanosToHrTime(fields.observedTimeNanos),
    resource,
    instrumentationScope: scope,
    attributes: fields.attributes,
    droppedAttributesCount: fields.droppedAttributesCount,
  };
  if (fields.traceId !== "" || fields.spanId !== "") record.spanContext = spanContext(fields);
  if (fields.severityNumber !== 0) record.severityNumber = fields.severityNumber;
  if (fields.severityText !== "") record.severityText = fields.severityText;
  if (fields.body !== undefined) record.body = fields.body;
  if (fields.eventName !== "") record.eventName = fields.eventName;
  return record;
}

function spanContext(fields: LogFields): SpanContext {
  return {
    traceId: fields.traceId === "" ? ZERO_TRACE_ID : fields.traceId,
    spanId: fields.spanId === "" ? ZERO_SPAN_ID : fields.spanId,
    traceFlags: fields.flags & 0xff,
  };
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
