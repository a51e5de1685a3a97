/**
 * The facade's nested `meta` ⇄ flat OTel resource attributes ("dotted flattening").
 *
 * Escaping rule (keys): each object key is one path segment; in a segment `\` is written `\\` and
 * `.` is written `\.`; segments are joined with `.`. So `{ "a.b": { c: 1 } }` ⇄ `a\.b.c = 1`.
 *
 * Values: strings, booleans and finite numbers are attribute values as they are; a non-empty array
 * whose items are all strings, all finite numbers or all booleans is an OTel array attribute, and so
 * is `[]`. Every other leaf (`null`, `{}`, arrays holding objects, arrays, `null` or mixed types) is
 * stored as compact JSON text under its key followed by the marker `\json`, a sequence escaping
 * never produces: `{ a: { b: null } }` ⇄ `a.b\json = "null"`. A leaf whose whole key would be `""`
 * or `__proto__` (OTel drops the first, a Resource loses the second) is always a JSON leaf. With that, `unflattenMeta(flattenMeta(m))`
 * equals `m` for every JSON object `m` (up to JSON itself: `-0` inside a JSON-encoded leaf reads back as `0`).
 */
import type { Attributes } from "@opentelemetry/api";
import type { JsonObject, JsonValue } from "../api/contract.ts";
import { SyvainValidationError } from "../api/errors.ts";
import { isPlainObject, setOwn, toJsonValue } from "./json.ts";

/** Key suffix marking an attribute whose string value is JSON text. */
export const JSON_LEAF_MARKER = "\\json";

export function escapeKeySegment(segment: string): string {
  if (!segment.includes("\\") && !segment.includes(".")) return segment;
  return segment.replaceAll("\\", "\\\\").replaceAll(".", "\\.");
}

/** Splits an attribute key into unescaped segments; `json` says whether it carried the JSON marker. */
export function parseFlatKey(key: string): { segments: string[]; json: boolean } {
  if (!key.includes("\\")) return { segments: key.split("."), json: false };
  const segments: string[] = [];
  let current = "";
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === "\\") {
      const next = key[i + 1];
      if (next === "\\" || next === ".") {
        current += next;
        i++;
        continue;
      }
      if (i === key.length - JSON_LEAF_MARKER.length && key.endsWith(JSON_LEAF_MARKER)) {
        segments.push(current);
        return { segments, json: true };
      }
      current += c; // a lone backslash (not produced by flattenMeta) is kept literally
    } else if (c === ".") {
      segments.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  segments.push(current);
  return { segments, json: false };
}

/**
 * Flattens nested JSON metadata into OTel attributes (see the module comment for the rules).
 * Throws a `SyvainValidationError` naming the path (`meta.a.b`) when a value is not JSON
 * (`undefined`, NaN, ±Infinity, bigint, functions, class instances).
 */
export function flattenMeta(meta: JsonObject, field = "meta"): Attributes {
  if (!isPlainObject(meta)) throw new SyvainValidationError(field, meta, `${field} must be a plain JSON object`);
  const out: Attributes = {};
  flattenInto(out, "", meta, field);
  return out;
}

function flattenInto(out: Attributes, prefix: string, object: Record<string, unknown>, field: string): void {
  for (const key of Object.keys(object)) {
    const value = object[key];
    const flatKey = prefix + escapeKeySegment(key);
    const path = `${field}.${key}`;
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      flattenInto(out, `${flatKey}.`, value, path);
    } else if (flatKey === "" || flatKey === "__proto__") {
      // OTel drops an empty key and a Resource loses "__proto__": only the marked form survives.
      assertJson(value, path);
      setOwn(out, flatKey + JSON_LEAF_MARKER, JSON.stringify(value));
    } else if (typeof value === "string" || typeof value === "boolean") {
      setOwn(out, flatKey, value);
    } else if (typeof value === "number") {
      assertJson(value, path);
      setOwn(out, flatKey, value);
    } else if (Array.isArray(value) && isHomogeneousScalarArray(value)) {
      setOwn(out, flatKey, value.slice());
    } else {
      assertJson(value, path);
      setOwn(out, flatKey + JSON_LEAF_MARKER, JSON.stringify(value));
    }
  }
}

function isHomogeneousScalarArray(items: unknown[]): boolean {
  const first = items[0];
  if (first === undefined) return items.length === 0;
  const kind = typeof first;
  if (kind !== "string" && kind !== "boolean" && kind !== "number") return false;
  for (const item of items) {
    if (typeof item !== kind) return false;
    if (kind === "number" && !Number.isFinite(item)) return false;
  }
  return true;
}

function assertJson(value: unknown, path: string): asserts value is JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return;
    throw new SyvainValidationError(path, value, `${path} must be a finite number, got ${String(value)}`);
  }
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => assertJson(item, `${path}[${index}]`));
    return;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) assertJson(value[key], `${path}.${key}`);
    return;
  }
  const shown = typeof value === "object" ? Object.prototype.toString.call(value) : typeof value;
  throw new SyvainValidationError(path, value, `${path} must be JSON (string, number, boolean, null, array or plain object), got ${shown}`);
}

/**
 * Rebuilds nested metadata from attributes: the inverse of `flattenMeta`, and also the reading of
 * arbitrary resource attributes (`k8s.pod.name` → `{ k8s: { pod: { name } } }`). Keys are taken in
 * sorted order so the result does not depend on attribute order. When two attributes claim the same
 * place (`a = 1` and `a.b = 2`), the later one is kept at the top level under its whole attribute key
 * (`{ a: 1, "a.b": 2 }`); if that key is taken too it is left out. `undefined` values are absent;
 * other values go through `toJsonValue` (bytes → `base64:…`, non-finite numbers → text).
 */
export function unflattenMeta(attributes: Attributes): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(attributes).sort()) {
    const raw = attributes[key];
    if (raw === undefined) continue;
    const { segments, json } = parseFlatKey(key);
    let value: JsonValue | undefined;
    if (json && typeof raw === "string") value = parseJsonOrUndefined(raw);
    if (value === undefined) {
      value = toJsonValue(raw) ?? null;
      if (json) segments[segments.length - 1] += JSON_LEAF_MARKER; // not JSON after all: keep the key as written
    }
    if (!placeAt(out, segments, value) && !Object.hasOwn(out, key)) setOwn(out, key, value);
  }
  return out;
}

function parseJsonOrUndefined(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** Puts `value` at the nested path; false when the path is blocked by an existing value. */
function placeAt(root: JsonObject, segments: string[], value: JsonValue): boolean {
  let node: JsonObject = root;
  const last = segments.length - 1;
  for (let i = 0; i < last; i++) {
    const segment = segments[i] as string;
    if (!Object.hasOwn(node, segment)) {
      const child: JsonObject = {};
      setOwn(node, segment, child);
      node = child;
      continue;
    }
    const existing = node[segment];
    if (!isPlainObject(existing)) return false;
    node = existing;
  }
  const leaf = segments[last] as string;
  if (Object.hasOwn(node, leaf)) return false;
  setOwn(node, leaf, value);
  return true;
}
