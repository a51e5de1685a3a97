/**
 * Validation of `metric()` and `annotation()` arguments. Each check throws a
 * `SyvainValidationError` naming the field and value, before anything is enqueued, so a bad call
 * loses only itself.
 */
import type { JsonObject, MetricMetadata } from "../api/contract.ts";
import { describeValue } from "../config/parse-options.ts";
import { codePointCount } from "../api/code-points.ts";
import { SyvainValidationError } from "../api/errors.ts";
import { facadeLimits } from "./limits.ts";
import { isPlainObject, setOwn } from "../mapping/json.ts";
import { assertJsonObject } from "./validate-json.ts";

function invalid(field: string, value: unknown, rule: string, owner: string): SyvainValidationError {
  return new SyvainValidationError(field, value, `${owner}: \`${field}\` ${rule} (got ${describeValue(value)})`);
}

/**
 * Names repeat on every step of a training loop: once one has passed the checks below, a set
 * lookup replaces the pattern match. Bounded, so a program that builds names on the fly (one per
 * layer, per step) cannot grow it without limit; past the bound, new names are simply re-checked.
 */
const validNames = new Set<string>();
const MAX_CACHED_NAMES = 4096;

export function validateMetricName(name: unknown, owner: string): string {
  if (validNames.has(name as string)) return name as string;
  const valid = checkMetricName(name, owner);
  if (validNames.size < MAX_CACHED_NAMES) validNames.add(valid);
  return valid;
}

function checkMetricName(name: unknown, owner: string): string {
  if (typeof name !== "string" || name.length === 0) throw invalid("name", name, "must be a non-empty string", owner);
  if (name.length > facadeLimits.maxMetricNameChars) {
    throw invalid("name", name, `must be at most ${facadeLimits.maxMetricNameChars} characters (it has ${name.length})`, owner);
  }
  if (!facadeLimits.metricNamePattern.test(name)) {
    throw invalid("name", name, "must start with a letter and contain only letters, digits, `_`, `.`, `-` and `/`", owner);
  }
  return name;
}

export function validateMetricValue(value: unknown, owner: string): number {
  if (typeof value !== "number") throw invalid("value", value, "must be a number", owner);
  if (!Number.isFinite(value)) throw invalid("value", value, "must be a finite number", owner);
  return value;
}

/** `options` is what `validateOptionsObject` returned (a plain object). */
export function validateStep(options: Record<string, unknown>, owner: string): number | null {
  const step = options.step;
  if (step === null) return null;
  if (typeof step === "number" && Number.isSafeInteger(step) && step >= 0) return step;
  if (step === undefined) {
    throw invalid("step", step, "is required: pass `{ step: n }`, or `{ step: null }` for an event without a step", owner);
  }
  // 2**60 is an integer, but not one a JSON reader (or the server) keeps exact: say which bound.
  throw invalid("step", step, `must be a non-negative safe integer (0 to ${Number.MAX_SAFE_INTEGER}) or null`, owner);
}

/** Flat labels: scalar values only, few keys (they split the dashboard's lines, so keep them low-cardinality). */
function validateMetricMetadata(metadata: unknown, owner: string): MetricMetadata {
  if (metadata === undefined) return {};
  if (!isPlainObject(metadata)) throw invalid("metadata", metadata, "must be a plain object of string, number or boolean values", owner);
  // A copy: the caller may reuse and mutate its object after the call, the queued event must not change.
  return copyOrdinaryMetadata(metadata) ?? checkedMetadataCopy(metadata, owner);
}

/**
 * `validateMetricMetadata` for one experiment's `metric()` calls, which mostly repeat the labels of
 * the call before (`{ split: "train" }` on every step): while the keys (in order) and values equal
 * the last copy's, that copy is returned again instead of a new equal object. Queued events treat
 * metadata as read-only, so sharing is safe, and one object less per queued event is less for the
 * garbage collector to copy (about a fifth of the client's busy CPU in `metric()` → server).
 */
export class MetricMetadataCopies {
  readonly #empty: MetricMetadata = {};
  #last: MetricMetadata | undefined;
  #lastKeys: string[] = [];

  copy(metadata: unknown, owner: string): MetricMetadata {
    if (metadata === undefined) return this.#empty;
    const last = this.#last;
    if (last !== undefined && isPlainObject(metadata) && this.#equalsLast(metadata, last)) return last;
    const copy = validateMetricMetadata(metadata, owner);
    this.#last = copy;
    this.#lastKeys = Object.keys(copy);
    return copy;
  }

  /** Same own keys in the same order, each value `===` the last copy's (a valid scalar, so valid too). */
  #equalsLast(metadata: Record<string, unknown>, last: MetricMetadata): boolean {
    const keys = this.#lastKeys;
    let index = 0;
    for (const key in metadata) {
      if (key !== keys[index] || metadata[key] !== last[key] || !Object.prototype.hasOwnProperty.call(metadata, key)) return false;
      index++;
    }
    return index === keys.length;
  }
}

/**
 * The per-call case, without a key array or per-key strings: at most the allowed number of own
 * keys of ordinary length, each with a valid scalar value. `undefined` on anything else (a value
 * to reject, a `__proto__` key, an enumerable inherited property), which `checkedMetadataCopy`
 * then handles or names.
 */
function copyOrdinaryMetadata(metadata: Record<string, unknown>): MetricMetadata | undefined {
  const copy: MetricMetadata = {};
  let count = 0;
  for (const key in metadata) {
    count += 1;
    // `hasOwnProperty.call` inside `for...in`, unlike `Object.hasOwn`, is answered by V8 from the enum cache.
    if (count > facadeLimits.maxMetricMetadataKeys || !isOrdinaryKey(key) || !Object.prototype.hasOwnProperty.call(metadata, key)) return undefined;
    const value = metadata[key];
    if (!isMetadataScalar(value)) return undefined;
    copy[key] = value;
  }
  return copy;
}

function isOrdinaryKey(key: string): boolean {
  return key.length !== 0 && key.length <= facadeLimits.maxMetadataKeyChars && key !== "__proto__";
}

function isMetadataScalar(value: unknown): value is string | number | boolean {
  if (typeof value === "string") return value.length <= facadeLimits.maxMetricMetadataStringChars;
  if (typeof value === "number") return Number.isFinite(value);
  return typeof value === "boolean";
}

/** Every own key in order, throwing on the first bad one. */
function checkedMetadataCopy(metadata: Record<string, unknown>, owner: string): MetricMetadata {
  const keys = Object.keys(metadata);
  if (keys.length > facadeLimits.maxMetricMetadataKeys) {
    throw invalid("metadata", metadata, `has ${keys.length} keys; at most ${facadeLimits.maxMetricMetadataKeys} are allowed (put one-off details in an annotation)`, owner);
  }
  const result: MetricMetadata = {};
  for (const key of keys) {
    const value = metadata[key];
    validateMetadataKey(key, owner);
    if (!isMetadataScalar(value)) throw invalidMetadataValue(`metadata.${key}`, value, owner);
    setOwn(result, key, value);
  }
  return result;
}

function invalidMetadataValue(field: string, value: unknown, owner: string): SyvainValidationError {
  if (typeof value === "string") return invalid(field, value, `must be at most ${facadeLimits.maxMetricMetadataStringChars} characters`, owner);
  if (typeof value === "number") return invalid(field, value, "must be a finite number", owner);
  return invalid(field, value, "must be a string, finite number or boolean (metric metadata is flat: put nested details in an annotation)", owner);
}

function validateMetadataKey(key: string, owner: string): void {
  if (key.length === 0 || key.length > facadeLimits.maxMetadataKeyChars) {
    throw invalid("metadata", key, `keys must be 1 to ${facadeLimits.maxMetadataKeyChars} characters`, owner);
  }
}

/** Seconds or milliseconds since the epoch (below 10,000,000,000 means seconds), or a `Date`; default now. */
export function normalizeTimestamp(timestamp: unknown, owner: string, now: () => number): number {
  if (timestamp === undefined) return now();
  const ms = timestamp instanceof Date ? timestamp.getTime() : timestamp;
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw invalid("timestamp", timestamp, "must be a non-negative finite number of seconds or milliseconds since the epoch, or a Date", owner);
  }
  const millis = Math.round(!(timestamp instanceof Date) && ms < facadeLimits.secondsThreshold ? ms * 1000 : ms);
  if (millis > facadeLimits.maxTimestampMs) {
    throw invalid("timestamp", timestamp, `must be at most ${facadeLimits.maxTimestampMs} ms since the epoch (the latest Date)`, owner);
  }
  return millis;
}

export function validateAnnotationText(text: unknown, owner: string): string {
  if (typeof text !== "string" || text.length === 0) throw invalid("text", text, "must be a non-empty string", owner);
  // Characters are code points, as the server counts them: an emoji is one, though `length` says 2.
  if (text.length > facadeLimits.maxAnnotationTextChars) {
    const characters = codePointCount(text);
    if (characters > facadeLimits.maxAnnotationTextChars) {
      throw invalid("text", `${text.slice(0, 40)}…`, `must be at most ${facadeLimits.maxAnnotationTextChars} characters (it has ${characters})`, owner);
    }
  }
  return text;
}

/** Any JSON object, up to the contract's byte limit once serialized. */
export function validateAnnotationMetadata(metadata: unknown, owner: string): JsonObject {
  if (metadata === undefined) return {};
  assertJsonObject(metadata, "metadata", owner);
  const json = JSON.stringify(metadata);
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes > facadeLimits.maxAnnotationMetadataBytes) {
    throw invalid("metadata", `<${bytes} bytes of JSON>`, `must serialize to at most ${facadeLimits.maxAnnotationMetadataBytes} UTF-8 bytes`, owner);
  }
  // A deep copy (from the text we measured anyway): the caller may mutate its object after the call.
  return JSON.parse(json) as JsonObject;
}

export function validateOptionsObject(options: unknown, owner: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalid("options", options, "must be a plain object", owner);
  return options;
}
