/**
 * Plain-code readers for the OTLP/JSON shapes the SDK's and the Collector's serializers write
 * (attributes, resources, scopes, decimal-string timestamps), so a typical body skips zod.
 *
 * Each reader gives exactly what the zod schema of `otlp-json-common.ts` would give for the same
 * input, or calls `miss()` as soon as it meets anything else: a value of another type, an invalid
 * one, or a shape it leaves to zod (values nested deeper than the limit, unknown enum names). The caller
 * then decodes the whole body with zod, which accepts, rejects and words errors as always: the
 * fast path never decides that an input is invalid, it only declines.
 */
import type { Attributes, HrTime } from "@opentelemetry/api";
import { MAX_ANY_VALUE_DEPTH, int64ToJs, type DecodedResource, type DecodedScope } from "./decode-common-proto.ts";
import { BASE64, DOUBLE, INTEGER, base64Bytes } from "./otlp-json-common.ts";
import { nanosToHrTime } from "./sdk-shapes.ts";

/** The fast path declines (one shared instance, its stack taken once: declining must cost next to nothing). */
class FastPathMiss extends Error {}
const MISS = new FastPathMiss("the OTLP/JSON fast path declined this body");

export function miss(): never {
  throw MISS;
}

/** `decode()`'s result, or `undefined` when a reader declined. */
export function tryFastPath<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (error) {
    if (error === MISS) return undefined;
    throw error;
  }
}

/** What `z.object` accepts. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `z.array(...).nullish()`: the array, or an empty one for null / absent. */
export function arrayOrEmpty(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : miss();
}

/** Digits that `Number()` reads exactly (below 2^53), so no BigInt is needed. */
const EXACT_DIGITS = 15;

/** `int64` read as a JS number or decimal text, as `int64ToJs(int64)` gives it. */
function int64Value(value: unknown): number | string {
  if (typeof value === "string") {
    if (!INTEGER.test(value)) return miss();
    // `+ 0` folds "-0" to 0, as BigInt does.
    return value.length <= EXACT_DIGITS ? Number(value) + 0 : int64ToJs(BigInt(value));
  }
  if (typeof value === "number" && Number.isInteger(value)) return Number.isSafeInteger(value) ? value + 0 : int64ToJs(BigInt(value));
  return miss();
}

/** `int64` as the number `Number(BigInt(value))` would give (same rounding: both round the exact integer). */
export function int64Number(value: unknown): number {
  if (typeof value === "string") return INTEGER.test(value) ? Number(value) + 0 : miss();
  return typeof value === "number" && Number.isInteger(value) ? value + 0 : miss();
}

/** `uint32` / `int32`: an integer (number or decimal text) within `min .. max`. */
export function boundedInt(value: unknown, min: number, max: number): number {
  let n: number;
  if (typeof value === "string") n = INTEGER.test(value) ? Number(value) : miss();
  else if (typeof value === "number" && Number.isInteger(value)) n = value;
  else return miss();
  return n >= min && n <= max ? n : miss();
}

/** `uint32.nullish()` with 0 for unset (flags, dropped counts). */
export function uint32OrZero(value: unknown): number {
  return value === undefined || value === null ? 0 : boundedInt(value, 0, 0xffffffff);
}

export function double(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && DOUBLE.test(value)) return Number(value);
  return miss();
}

/** `optionalString`: the text, or "" for null / absent. */
export function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : miss();
}

/**
 * `time` (non-negative uint64 nanoseconds, null / absent = 0) → HrTime. Senders stamp many points
 * with one time, so the last conversion is remembered (a new array is returned every time).
 */
export class NanosReader {
  /** The last valid text converted (none at first: "" is not a valid time). */
  #lastText: string | undefined;
  #seconds = 0;
  #nanos = 0;

  read(value: unknown): HrTime {
    if (value === undefined || value === null) return [0, 0];
    if (typeof value === "string") {
      if (value !== this.#lastText) this.#convert(value);
      return [this.#seconds, this.#nanos];
    }
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) {
      if (!Number.isSafeInteger(value)) return nanosToHrTime(BigInt(value));
      // Integer arithmetic only (a float quotient can round up to the next second); `+ 0` folds -0.
      const nanos = (value % 1e9) + 0;
      return [(value - nanos) / 1e9 + 0, nanos];
    }
    return miss();
  }

  #convert(value: string): void {
    if (!INTEGER.test(value)) miss();
    const exact = BigInt(value);
    if (exact < 0n) miss();
    [this.#seconds, this.#nanos] = nanosToHrTime(exact);
    this.#lastText = value;
  }
}

/**
 * `AnyValue` with at most `levels` nested arrays / kvlists below it (the zod schema's bound: a
 * deeper one is left to zod, which refuses it). The first set field wins, after all were checked.
 */
function anyValue(value: unknown, levels: number): unknown {
  if (!isObject(value)) return miss();
  const { stringValue, boolValue, intValue, doubleValue, arrayValue, kvlistValue, bytesValue } = value;
  if (stringValue != null && typeof stringValue !== "string") return miss();
  if (boolValue != null && typeof boolValue !== "boolean") return miss();
  const int = intValue == null ? undefined : int64Value(intValue);
  const dbl = doubleValue == null ? undefined : double(doubleValue);
  const array = arrayValue == null ? undefined : arrayOf(arrayValue, levels);
  const kvlist = kvlistValue == null ? undefined : kvlistOf(kvlistValue, levels);
  const bytes = bytesValue == null ? undefined : typeof bytesValue === "string" && BASE64.test(bytesValue) ? bytesValue : miss();
  if (stringValue != null) return stringValue;
  if (boolValue != null) return boolValue;
  if (int !== undefined) return int;
  if (dbl !== undefined) return dbl;
  if (array !== undefined) return array;
  if (kvlist !== undefined) return kvlist;
  return bytes === undefined ? undefined : base64Bytes(bytes);
}

function arrayOf(value: unknown, levels: number): unknown[] {
  if (levels === 0 || !isObject(value)) return miss();
  // Items are required messages (not nullish); an empty one becomes null.
  return arrayOrEmpty(value.values).map((item) => anyValue(item, levels - 1) ?? null);
}

function kvlistOf(value: unknown, levels: number): Record<string, unknown> {
  if (levels === 0 || !isObject(value)) return miss();
  return keyValues(value.values, levels - 1);
}

/** `repeated KeyValue` → an object (as `keyValuesToObject`: a key without a value is left out). */
function keyValues(value: unknown, levels: number): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const kv of arrayOrEmpty(value)) {
    if (!isObject(kv)) return miss();
    const key = text(kv.key);
    const raw = kv.value;
    const decoded = raw === undefined || raw === null ? undefined : anyValue(raw, levels);
    if (decoded !== undefined) object[key] = decoded;
  }
  return object;
}

export function attributes(value: unknown): Attributes {
  return keyValues(value, MAX_ANY_VALUE_DEPTH);
}

export function resource(value: unknown): DecodedResource {
  if (value === undefined || value === null) return { attributes: {}, droppedAttributesCount: 0 };
  if (!isObject(value)) return miss();
  return { attributes: attributes(value.attributes), droppedAttributesCount: uint32OrZero(value.droppedAttributesCount) };
}

export function scope(value: unknown): DecodedScope {
  if (value === undefined || value === null) return { name: "", version: "", attributes: {}, droppedAttributesCount: 0 };
  if (!isObject(value)) return miss();
  return {
    name: text(value.name),
    version: text(value.version),
    attributes: attributes(value.attributes),
    droppedAttributesCount: uint32OrZero(value.droppedAttributesCount),
  };
}
