/**
 * Plain-code validation of ingest items: this is the emulator's hot path (hundreds of thousands of
 * events per second), so no zod here. Every item is checked and every problem reported, as the
 * contract's `validation_failed` details (`index`, `field`, `message`).
 */
import { apiLimits } from "../api/contract.ts";
import type { AnnotationEvent, MetricEvent, ValidationDetail } from "../api/contract.ts";
import { codePointCount } from "../api/code-points.ts";

/** Enough to fix a batch; more would only make a huge response. */
const MAX_DETAILS = 100;

export type ItemsResult<T> = { ok: true; items: T[] } | { ok: false; details: ValidationDetail[] };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkClientEventId(item: Record<string, unknown>, index: number, details: ValidationDetail[]): void {
  const id = item.client_event_id;
  if (typeof id !== "string" || id.length === 0 || id.length > apiLimits.maxClientEventIdChars) {
    details.push({ index, field: "client_event_id", message: `must be a non-empty string of at most ${apiLimits.maxClientEventIdChars} characters` });
  }
}

function checkTimestamp(item: Record<string, unknown>, index: number, details: ValidationDetail[]): void {
  const timestamp = item.timestamp;
  if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    details.push({ index, field: "timestamp", message: "must be a non-negative integer (milliseconds since the Unix epoch)" });
  }
}

/** The array under `key` of the body, or the details explaining why there is none. */
export function itemsOf(body: unknown, key: "metrics" | "annotations"): ItemsResult<unknown> {
  if (!isPlainObject(body) || !Array.isArray(body[key])) {
    return { ok: false, details: [{ index: null, field: key, message: `body must be an object with a \`${key}\` array` }] };
  }
  return { ok: true, items: body[key] as unknown[] };
}

/** Every item must be an object with a `client_event_id`; `checkItem` checks the rest of one item. */
function validateItems<T>(
  items: readonly unknown[],
  checkItem: (item: Record<string, unknown>, index: number, details: ValidationDetail[]) => void,
): ItemsResult<T> {
  const details: ValidationDetail[] = [];
  for (let index = 0; index < items.length && details.length < MAX_DETAILS; index++) {
    const item = items[index];
    if (!isPlainObject(item)) {
      details.push({ index, field: "", message: "must be an object" });
      continue;
    }
    checkClientEventId(item, index, details);
    checkItem(item, index, details);
  }
  return details.length === 0 ? { ok: true, items: items as T[] } : { ok: false, details: details.slice(0, MAX_DETAILS) };
}

export function validateMetrics(items: readonly unknown[]): ItemsResult<MetricEvent> {
  return validateItems(items, checkMetric);
}

function checkMetric(item: Record<string, unknown>, index: number, details: ValidationDetail[]): void {
  if (typeof item.name !== "string" || item.name.length === 0) {
    details.push({ index, field: "name", message: "must be a non-empty string" });
  }
  if (typeof item.value !== "number" || !Number.isFinite(item.value)) {
    details.push({ index, field: "value", message: "must be a finite number" });
  }
  const step = item.step;
  if (step !== null && (typeof step !== "number" || !Number.isSafeInteger(step) || step < 0)) {
    details.push({ index, field: "step", message: "must be null or a non-negative safe integer" });
  }
  checkTimestamp(item, index, details);
  checkMetricMetadata(item.metadata, index, details);
}

function checkMetricMetadata(metadata: unknown, index: number, details: ValidationDetail[]): void {
  if (!isPlainObject(metadata)) {
    details.push({ index, field: "metadata", message: "must be an object" });
    return;
  }
  for (const key in metadata) {
    const value = metadata[key];
    const type = typeof value;
    if (type === "string" || type === "boolean" || (type === "number" && Number.isFinite(value))) continue;
    details.push({ index, field: `metadata.${key}`, message: "must be a string, a finite number or a boolean" });
  }
}

export function validateAnnotations(items: readonly unknown[]): ItemsResult<AnnotationEvent> {
  return validateItems(items, checkAnnotation);
}

function checkAnnotation(item: Record<string, unknown>, index: number, details: ValidationDetail[]): void {
  const text = item.text;
  if (typeof text !== "string") {
    details.push({ index, field: "text", message: "must be a string" });
  } else if (text.length > apiLimits.maxAnnotationTextChars && codePointCount(text) > apiLimits.maxAnnotationTextChars) {
    details.push({ index, field: "text", message: `must be at most ${apiLimits.maxAnnotationTextChars} characters` });
  }
  checkTimestamp(item, index, details);
  if (!isPlainObject(item.metadata)) {
    details.push({ index, field: "metadata", message: "must be an object" });
  } else if (Buffer.byteLength(JSON.stringify(item.metadata)) > apiLimits.maxAnnotationMetadataBytes) {
    details.push({ index, field: "metadata", message: `compact JSON must be at most ${apiLimits.maxAnnotationMetadataBytes} UTF-8 bytes` });
  }
}
