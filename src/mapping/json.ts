/**
 * JSON helpers of the mapping: OTel `AnyValue` → JSON, canonical (sorted-key) JSON for digests, and
 * the one textual form of bytes. Pure functions, no I/O.
 */
import { Buffer } from "node:buffer";
import type { JsonObject, JsonValue } from "../api/contract.ts";

/** Prefix of the textual form of a byte value (`Uint8Array`): `base64:` + standard base64 with padding. */
export const BYTES_PREFIX = "base64:";

/** Deeper structures are cut (a cyclic log body must not overflow the stack on the hot path). */
const MAX_DEPTH = 64;
const TOO_DEEP = "[nested deeper than 64 levels]";

export function bytesToText(bytes: Uint8Array): string {
  return BYTES_PREFIX + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Converts an OTel `AnyValue` (attribute value or log body) to JSON. `undefined` means "absent" and
 * is returned as is (callers skip it; inside arrays it becomes `null`, as `JSON.stringify` does).
 * Values JSON cannot hold get a documented text form: non-finite numbers → `"NaN"`, `"Infinity"`,
 * `"-Infinity"`; bigints → a number when safe, else their decimal text; bytes → `base64:…`;
 * a Date → ISO-8601 text; other objects → `[object Type]`; functions and symbols → `String(value)`.
 */
export function toJsonValue(value: unknown, depth = 0): JsonValue | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint": {
      const asNumber = Number(value);
      return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
    }
    case "undefined":
      return undefined;
    case "object":
      if (value === null) return null;
      if (depth >= MAX_DEPTH) return TOO_DEEP;
      if (value instanceof Uint8Array) return bytesToText(value);
      if (Array.isArray(value)) return value.map((item: unknown) => toJsonValue(item, depth + 1) ?? null);
      if (isPlainObject(value)) return toJsonObject(value, depth + 1);
      return describeObject(value);
    default:
      return String(value);
  }
}

/** Text of an object JSON cannot hold: a Date as ISO-8601, anything else as `[object Type]`. */
export function describeObject(value: object): string {
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.toISOString();
  return Object.prototype.toString.call(value);
}

/** A plain object (attributes, kvlist body) → JSON object; `undefined` members are left out. */
export function toJsonObject(value: Record<string, unknown>, depth = 0): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    const converted = toJsonValue(value[key], depth);
    if (converted !== undefined) setOwn(out, key, converted);
  }
  return out;
}

/** `out[key] = value` that also works for the key `__proto__` (a plain assignment would set the prototype). */
export function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    out[key] = value;
  }
}

/**
 * Compact JSON with object keys sorted (UTF-16 code unit order), so equal values give equal text
 * whatever the insertion order. Same text as `JSON.stringify` apart from key order, hence the same
 * UTF-8 length, which the annotation size check relies on.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) out += ",";
    out += `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`;
  }
  return `${out}}`;
}
