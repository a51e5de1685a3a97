/**
 * OTel log records → Syvain annotations (`docs/otel.md`, "OTel ⇄ Syvain mapping").
 *
 * text: a string body as is; no body → the event name, else `""`; numbers, booleans, bigints and
 * `null` → their text (`"42"`, `"true"`, `"NaN"`, `"null"`); bytes → `base64:<standard base64>`;
 * maps and arrays → compact JSON (nested bytes `base64:…`, nested non-finite numbers as text).
 *
 * metadata: the record's attributes (keys as they are; values through `toJsonValue`) plus the
 * record fields under `LOG_METADATA_KEYS` (`otel.severity_text`, `otel.severity_number`,
 * `otel.event_name`, `otel.trace_id`, `otel.span_id`; ids as lowercase hex, only when the span
 * context is valid). A record field wins over an attribute of the same key.
 *
 * timestamp: the record time, else (zero, as an OTLP record may have) the observed time, in ms.
 * Dropped and counted (`metric: "annotation"`): neither time set (`missing_timestamp`); text over
 * `apiLimits.maxAnnotationTextChars` characters (Unicode code points) or metadata whose compact JSON exceeds
 * `apiLimits.maxAnnotationMetadataBytes` UTF-8 bytes (`annotation_too_large`).
 */
import { Buffer } from "node:buffer";
import type { HrTime, SpanContext } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { codePointCount } from "../api/code-points.ts";
import { apiLimits } from "../api/contract.ts";
import type { AnnotationEvent, JsonObject } from "../api/contract.ts";
import { DropCounter } from "./drops.ts";
import type { DroppedPoints } from "./drops.ts";
import { annotationIdentity, eventIdOf, hrTimeToMillis, hrTimeToNanosText, isZeroHrTime } from "./event-id.ts";
import { bytesToText, canonicalJson, isPlainObject, setOwn, toJsonObject, toJsonValue } from "./json.ts";

export const LOG_METADATA_KEYS = {
  severityText: "otel.severity_text",
  severityNumber: "otel.severity_number",
  eventName: "otel.event_name",
  traceId: "otel.trace_id",
  spanId: "otel.span_id",
} as const;

/** `DroppedPoints.metric` of dropped log records. */
export const ANNOTATION_DROP_NAME = "annotation";

export interface LogRecordsToAnnotationsOptions {
  /** Experiment the annotations belong to (slug or id); part of every event id. */
  experimentKey: string;
}

export interface AnnotationsMappingResult {
  events: AnnotationEvent[];
  dropped: DroppedPoints[];
}

export interface ResourceLogRecords {
  resource: Resource;
  records: ReadableLogRecord[];
}

export function logRecordsToAnnotations(
  records: readonly ReadableLogRecord[],
  options: LogRecordsToAnnotationsOptions,
): AnnotationsMappingResult {
  const experimentKeyJson = JSON.stringify(options.experimentKey);
  const events: AnnotationEvent[] = [];
  const drops = new DropCounter();
  for (const record of records) {
    const time = recordTime(record);
    if (time === undefined) {
      drops.add("missing_timestamp", ANNOTATION_DROP_NAME, `log record ${describeRecord(record)} has neither a time nor an observed time`);
      continue;
    }
    const text = logBodyToText(record.body, record.eventName);
    if (text.length > apiLimits.maxAnnotationTextChars && codePointCount(text) > apiLimits.maxAnnotationTextChars) {
      const example = `text of ${codePointCount(text)} characters exceeds ${apiLimits.maxAnnotationTextChars} (starts ${JSON.stringify(text.slice(0, 40))})`;
      drops.add("annotation_too_large", ANNOTATION_DROP_NAME, example);
      continue;
    }
    const metadata = logMetadata(record);
    const canonical = canonicalJson(metadata);
    const bytes = Buffer.byteLength(canonical, "utf8");
    if (bytes > apiLimits.maxAnnotationMetadataBytes) {
      const example = `metadata of ${bytes} bytes exceeds ${apiLimits.maxAnnotationMetadataBytes} (text ${JSON.stringify(text.slice(0, 40))})`;
      drops.add("annotation_too_large", ANNOTATION_DROP_NAME, example);
      continue;
    }
    events.push({
      client_event_id: eventIdOf(annotationIdentity(experimentKeyJson, hrTimeToNanosText(time), text, canonical)),
      text,
      timestamp: hrTimeToMillis(time),
      metadata,
    });
  }
  return { events, dropped: drops.list() };
}

export function logBodyToText(body: unknown, eventName?: string): string {
  switch (typeof body) {
    case "string":
      return body;
    case "undefined":
      return typeof eventName === "string" ? eventName : "";
    case "number":
    case "boolean":
    case "bigint":
      return String(body);
    case "object":
      if (body === null) return "null";
      if (body instanceof Uint8Array) return bytesToText(body);
      break;
  }
  // Maps and arrays → compact JSON; other objects, functions, symbols → their documented text.
  const json = toJsonValue(body);
  return typeof json === "string" ? json : JSON.stringify(json ?? null);
}

function logMetadata(record: ReadableLogRecord): JsonObject {
  const attributes: unknown = record.attributes;
  const metadata = isPlainObject(attributes) ? toJsonObject(attributes) : {};
  if (typeof record.severityText === "string") setOwn(metadata, LOG_METADATA_KEYS.severityText, record.severityText);
  if (typeof record.severityNumber === "number") setOwn(metadata, LOG_METADATA_KEYS.severityNumber, record.severityNumber);
  if (typeof record.eventName === "string") setOwn(metadata, LOG_METADATA_KEYS.eventName, record.eventName);
  const span = record.spanContext;
  if (span !== undefined && isValidSpanContext(span)) {
    setOwn(metadata, LOG_METADATA_KEYS.traceId, span.traceId.toLowerCase());
    setOwn(metadata, LOG_METADATA_KEYS.spanId, span.spanId.toLowerCase());
  }
  return metadata;
}

const TRACE_ID = /^[0-9a-f]{32}$/i;
const SPAN_ID = /^[0-9a-f]{16}$/i;
const ALL_ZEROS = /^0+$/;

/** Same rule as the API's `isSpanContextValid` (hex of the right length, not all zeros), without a runtime import. */
function isValidSpanContext(span: SpanContext): boolean {
  return (
    typeof span.traceId === "string" && TRACE_ID.test(span.traceId) && !ALL_ZEROS.test(span.traceId)
    && typeof span.spanId === "string" && SPAN_ID.test(span.spanId) && !ALL_ZEROS.test(span.spanId)
  );
}

function recordTime(record: ReadableLogRecord): HrTime | undefined {
  const time = record.hrTime;
  if (!isZeroHrTime(time)) return time;
  const observed = record.hrTimeObserved;
  return isZeroHrTime(observed) ? undefined : observed;
}

function describeRecord(record: ReadableLogRecord): string {
  const text = logBodyToText(record.body, record.eventName);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * Groups records by their `resource` object (the SDK and the OTLP decoder share one object per
 * resource), keeping first-seen order, so each group maps to one experiment.
 */
export function groupLogRecordsByResource(records: readonly ReadableLogRecord[]): ResourceLogRecords[] {
  const groups = new Map<Resource, ResourceLogRecords>();
  for (const record of records) {
    const resource = record.resource;
    let group = groups.get(resource);
    if (group === undefined) {
      group = { resource, records: [] };
      groups.set(resource, group);
    }
    group.records.push(record);
  }
  return [...groups.values()];
}
