/**
 * The OTLP/JSON trust boundary: parsing, key normalisation and the zod schemas of the scalar
 * encodings and of the messages metrics and logs share.
 *
 * Accepts what real senders emit (opentelemetry-proto "JSON Protobuf Encoding" plus the
 * Collector's habits): lowerCamelCase or snake_case keys, 64-bit integers as strings or
 * numbers, doubles as numbers or `"NaN"` / `"Infinity"` / `"-Infinity"`, enums as numbers or
 * names, omitted or `null` zero values, unknown fields (ignored), base64 `bytes`.
 */
import { z } from "zod";
import type { Attributes } from "@opentelemetry/api";
import { describeValue } from "../../config/parse-options.ts";
import { MAX_ANY_VALUE_DEPTH, int64ToJs, type DecodedResource, type DecodedScope } from "./decode-common-proto.ts";
import { OtlpDecodeError } from "./otlp-decode-error.ts";

/** JSON nesting allowed: an AnyValue level costs up to four JSON levels (kvlistValue, values, KeyValue, value), plus the envelope. */
const MAX_JSON_DEPTH = 4 * MAX_ANY_VALUE_DEPTH + 16;

export const INTEGER = /^[-+]?\d+$/;
export const DOUBLE = /^(NaN|[-+]?Infinity|[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)$/;
export const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

const integerNumber = z.number().refine(Number.isInteger, "expected an integer");
const integerString = z.string().regex(INTEGER, "expected a decimal integer");

/** int64 / fixed64 as bigint (decimal string or JSON number). */
export const int64 = z.union([integerString, integerNumber]).transform((v) => BigInt(v));
/** uint64 nanosecond timestamps: exact as bigint. */
export const nanos = int64.refine((v) => v >= 0n, "expected a non-negative integer");
/** uint64 counts, as a JS number. */
export const count = nanos.transform(Number);
export const uint32 = z.union([integerString, integerNumber]).transform(Number).pipe(z.number().min(0).max(0xffffffff));
export const int32 = z.union([integerString, integerNumber]).transform(Number).pipe(z.number().min(-0x80000000).max(0x7fffffff));
export const double = z.union([z.number(), z.string().regex(DOUBLE, "expected a number, NaN or Infinity")]).transform(Number);
export const bytes = z
  .string()
  .regex(BASE64, "expected base64")
  .transform(base64Bytes);

/** Standard or URL-safe base64 (the bytes of a validated `bytes` string). */
export function base64Bytes(v: string): Uint8Array {
  return new Uint8Array(Buffer.from(v, v.includes("-") || v.includes("_") ? "base64url" : "base64"));
}

/** An enum given as its number or its proto name (e.g. `AGGREGATION_TEMPORALITY_DELTA`). */
export function enumeration(names: Record<string, number>): z.ZodType<number> {
  return z.union([
    int32,
    z.string().refine((name) => name in names, { message: `expected one of ${Object.keys(names).join(", ")}` }).transform((name) => names[name] ?? 0),
  ]);
}

/** A trace or span id: hex (any case), `size` bytes; "" means unset. */
export function hexId(size: number): z.ZodType<string> {
  const pattern = new RegExp(`^([0-9a-fA-F]{${size * 2}})?$`);
  return z.string().regex(pattern, `expected ${size * 2} hex digits`).transform((v) => v.toLowerCase());
}

const tooDeep = z.null({ error: `values nested deeper than ${MAX_ANY_VALUE_DEPTH} levels` }).optional();

/**
 * `AnyValue` with up to `levels` nested arrays / kvlists, built level by level instead of as a
 * recursive (z.lazy) schema: the depth limit becomes part of the schema, and zod skips the cycle
 * bookkeeping it does for every value parsed through a recursive schema (several times faster).
 */
function boundedAnyValue(levels: number): { value: z.ZodType<unknown>; keyValue: z.ZodType<[string, unknown]> } {
  let value: z.ZodType<unknown> = anyValueLevel(tooDeep, tooDeep);
  let keyValue = keyValueOf(value);
  for (let level = 1; level <= levels; level++) {
    value = anyValueLevel(z.object({ values: z.array(value).nullish() }).nullish(), z.object({ values: z.array(keyValue).nullish() }).nullish());
    keyValue = keyValueOf(value);
  }
  return { value, keyValue };
}

function anyValueLevel(arrayValue: z.ZodType<{ values?: unknown[] | null } | null | undefined>, kvlistValue: z.ZodType<{ values?: [string, unknown][] | null } | null | undefined>): z.ZodType<unknown> {
  return z
    .object({
      stringValue: z.string().nullish(),
      boolValue: z.boolean().nullish(),
      intValue: int64.nullish(),
      doubleValue: double.nullish(),
      arrayValue,
      kvlistValue,
      bytesValue: bytes.nullish(),
    })
    .transform(anyValueToJs);
}

function keyValueOf(value: z.ZodType<unknown>): z.ZodType<[string, unknown]> {
  return z.object({ key: z.string().nullish(), value: value.nullish() }).transform((kv): [string, unknown] => [kv.key ?? "", kv.value ?? undefined]);
}

const { value: jsonAnyValue, keyValue: jsonKeyValue } = boundedAnyValue(MAX_ANY_VALUE_DEPTH);

function anyValueToJs(v: {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: bigint | null;
  doubleValue?: number | null;
  arrayValue?: { values?: unknown[] | null } | null;
  kvlistValue?: { values?: [string, unknown][] | null } | null;
  bytesValue?: Uint8Array | null;
}): unknown {
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.intValue != null) return int64ToJs(v.intValue);
  if (v.doubleValue != null) return v.doubleValue;
  if (v.arrayValue != null) return (v.arrayValue.values ?? []).map((item) => item ?? null);
  if (v.kvlistValue != null) return keyValuesToObject(v.kvlistValue.values ?? []);
  if (v.bytesValue != null) return v.bytesValue;
  return undefined;
}

function keyValuesToObject(entries: readonly [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) if (value !== undefined) object[key] = value;
  return object;
}

export const anyValue = jsonAnyValue;
/** `repeated KeyValue` → an attributes object (a key without a value is left out). */
export const attributes = z.array(jsonKeyValue).nullish().transform((entries): Attributes => keyValuesToObject(entries ?? []));
const droppedCount = uint32.nullish().transform((v) => v ?? 0);
const text = z.string().nullish().transform((v) => v ?? "");
export { text as optionalString };

export const resource = z
  .object({ attributes, droppedAttributesCount: droppedCount })
  .nullish()
  .transform((r): DecodedResource => r ?? { attributes: {}, droppedAttributesCount: 0 });

export const scope = z
  .object({ name: text, version: text, attributes, droppedAttributesCount: droppedCount })
  .nullish()
  .transform((s): DecodedScope => s ?? { name: "", version: "", attributes: {}, droppedAttributesCount: 0 });

/**
 * Parses a JSON body and validates it against `schema`; every failure is an `OtlpDecodeError`
 * naming the field and the value it got.
 */
export function parseOtlpJson<S extends z.ZodType>(
  body: Uint8Array | string,
  schema: S,
  /** Plain-code decoding of the common shapes (see `otlp-json-fast.ts`); `undefined` leaves the body to zod. */
  fast?: (normalized: unknown) => z.output<S> | undefined,
): z.output<S> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch (error) {
    throw new OtlpDecodeError(`body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const normalized = normalizeKeys(parsed, 0);
  const quick = fast?.(normalized);
  if (quick !== undefined) return quick;
  const result = schema.safeParse(normalized);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = formatPath(issue?.path ?? []);
  throw new OtlpDecodeError(`${issue?.message ?? "invalid"} (got ${describeValue(valueAt(parsed, issue?.path ?? []))})`, { path });
}

/**
 * snake_case keys → lowerCamelCase (the proto3 JSON mapping accepts both; the Collector's reader
 * does too). OTLP/JSON has no user-chosen object keys (attributes are `{key, value}` arrays), so
 * renaming every key is safe. Also bounds the nesting depth before zod recurses into it.
 */
function normalizeKeys(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (depth > MAX_JSON_DEPTH) throw new OtlpDecodeError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = normalizeKeys(value[i], depth + 1);
    return value;
  }
  const object = value as Record<string, unknown>;
  let renamed: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    if (key.includes("_")) {
      renamed ??= {};
      const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      if (!(camel in object)) renamed[camel] = object[key];
    }
  }
  const result = renamed === undefined ? object : { ...object, ...renamed };
  // JSON.parse and spreading create own data properties, so even a "__proto__" key is plain data here.
  for (const key of Object.keys(result)) result[key] = normalizeKeys(result[key], depth + 1);
  return result;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

/** The value at a zod issue path, looked up with either key spelling. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== "object" || current === null) return undefined;
    const record = current as Record<string, unknown>;
    const key = String(segment);
    current = key in record ? record[key] : record[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
  }
  return current;
}
