/**
 * Data point attributes → (`step`, metric `metadata`, canonical metadata text for the event id).
 *
 * Step: the step attribute (default key `step`) must be a non-negative safe integer: a number, a
 * bigint, or a canonical decimal string (`"0"`, `"42"`; no sign, no leading zeros, no spaces),
 * because some OTLP producers and collector processors only carry string attributes. Absent
 * (`undefined`) → `null`; present but anything else → the point is dropped (`invalid_step`).
 *
 * Metadata values must be scalars: strings, booleans and finite numbers are kept; non-finite numbers
 * become their text (`"NaN"`); bigints a number when safe, else their decimal text; bytes `base64:…`;
 * arrays, maps and `null` become compact JSON text. Keys are kept as they are (not un-flattened).
 */
import type { Attributes } from "@opentelemetry/api";
import type { MetricMetadata } from "../api/contract.ts";
import { setOwn, toJsonValue } from "./json.ts";

export const DEFAULT_STEP_ATTRIBUTE = "step";

/** Result of reading one point's attributes; reused across points to avoid allocations. */
export interface PointLabels {
  step: number | null;
  /** The step attribute is present but invalid: the point must be dropped. */
  invalidStep: boolean;
  /** The invalid step value, for the drop message. */
  invalidStepValue: unknown;
  metadata: MetricMetadata;
  metadataCanonical: string;
}

const CANONICAL_STEP = /^(?:0|[1-9][0-9]{0,15})$/;

/** The step as a number, or `undefined` when the value is not a valid step. */
export function parseStep(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value + 0 : undefined; // +0 folds -0
  if (typeof value === "string") {
    if (!CANONICAL_STEP.test(value)) return undefined;
    const step = Number(value);
    return Number.isSafeInteger(step) ? step : undefined;
  }
  if (typeof value === "bigint") {
    return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  }
  return undefined;
}

function toMetadataValue(value: unknown): string | number | boolean | undefined {
  if (typeof value === "string") return value; // the common case, first
  const json = toJsonValue(value);
  if (json === undefined || typeof json !== "object") return json;
  return JSON.stringify(json); // arrays, maps, null
}

interface SortedKey {
  key: string;
  /** `JSON.stringify(key)`, computed once per key order. */
  json: string;
}

/**
 * The sorted keys of the last attribute key order seen. Points of one series (and usually of one
 * instrument) share their key order, so sorting and quoting keys happens once, not per point.
 * It also remembers the last point's scalar attribute values (step aside) and the metadata built
 * from them: consecutive points of one series (a new step each) reuse that metadata object and its
 * canonical text instead of building equal ones (events treat metadata as read-only).
 */
export class SortedKeys {
  #order: string[] = [];
  #sorted: SortedKey[] = [];
  /** Raw attribute values behind `lastMetadata`, aligned with the sorted keys (the step's slot unused). */
  readonly lastValues: unknown[] = [];
  lastMetadata: MetricMetadata | undefined;
  lastCanonical = "{}";

  of(attributes: Attributes): readonly SortedKey[] {
    const order = this.#order;
    let index = 0;
    let same = true;
    // for…in instead of Object.keys: no array per point on a hit (a miss falls back to Object.keys).
    for (const key in attributes) {
      if (order[index] !== key) {
        same = false;
        break;
      }
      index++;
    }
    if (same && index === order.length) return this.#sorted;
    this.#order = Object.keys(attributes);
    this.#sorted = [...this.#order].sort().map((key) => ({ key, json: JSON.stringify(key) }));
    this.lastMetadata = undefined;
    return this.#sorted;
  }
}

/** Values whose metadata form depends on nothing but the value itself (compared with `===`). */
function isScalar(value: unknown): boolean {
  const type = typeof value;
  return type === "string" || type === "number" || type === "boolean";
}

/** Fills `out` from `attributes`; keys are sorted so the metadata and its canonical text are deterministic. */
export function readPointLabels(attributes: Attributes | undefined, stepKey: string, out: PointLabels, keys: SortedKeys): void {
  out.step = null;
  out.invalidStep = false;
  out.invalidStepValue = undefined;
  if (attributes === undefined || attributes === null) {
    out.metadata = {};
    out.metadataCanonical = "{}";
    return;
  }
  const sorted = keys.of(attributes);
  const lastValues = keys.lastValues;
  let reuse = keys.lastMetadata !== undefined;
  for (let i = 0; i < sorted.length; i++) {
    const key = sorted[i]!.key;
    const raw = attributes[key];
    if (key === stepKey) {
      if (raw === undefined) continue;
      const step = parseStep(raw);
      if (step === undefined) {
        out.invalidStep = true;
        out.invalidStepValue = raw;
      } else {
        out.step = step;
      }
    } else if (reuse && (raw !== lastValues[i] || !isScalar(raw))) {
      reuse = false;
    }
  }
  if (reuse) {
    out.metadata = keys.lastMetadata!;
    out.metadataCanonical = keys.lastCanonical;
    return;
  }
  const metadata: MetricMetadata = {};
  let canonical = "{";
  lastValues.length = sorted.length;
  for (let i = 0; i < sorted.length; i++) {
    const { key, json } = sorted[i]!;
    if (key === stepKey) continue;
    const raw = attributes[key];
    lastValues[i] = raw;
    const value = toMetadataValue(raw);
    if (value === undefined) continue;
    setOwn(metadata, key, value);
    if (canonical.length > 1) canonical += ",";
    // Finite numbers and booleans print the same through String() as through JSON, only cheaper.
    canonical += `${json}:${typeof value === "string" ? JSON.stringify(value) : String(value)}`;
  }
  out.metadata = keys.lastMetadata = metadata;
  out.metadataCanonical = keys.lastCanonical = `${canonical}}`;
}
