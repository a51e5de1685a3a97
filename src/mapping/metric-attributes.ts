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
import type { MetricMetadata } from "../exporter/api/contract.ts";
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

export function toMetadataValue(value: unknown): string | number | boolean | undefined {
  if (typeof value === "string") return value; // the common case, first
  const json = toJsonValue(value);
  if (json === undefined || typeof json !== "object") return json;
  return JSON.stringify(json); // arrays, maps, null
}

/** Fills `out` from `attributes`; keys are sorted so the metadata and its canonical text are deterministic. */
export function readPointLabels(attributes: Attributes | undefined, stepKey: string, out: PointLabels): void {
  out.step = null;
  out.invalidStep = false;
  out.invalidStepValue = undefined;
  const metadata: MetricMetadata = {};
  out.metadata = metadata;
  if (attributes === undefined || attributes === null) {
    out.metadataCanonical = "{}";
    return;
  }
  const keys = Object.keys(attributes);
  if (keys.length > 1) keys.sort();
  let canonical = "{";
  for (const key of keys) {
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
      continue;
    }
    const value = toMetadataValue(raw);
    if (value === undefined) continue;
    setOwn(metadata, key, value);
    if (canonical.length > 1) canonical += ",";
    // Finite numbers and booleans print the same through String() as through JSON, only cheaper.
    canonical += `${JSON.stringify(key)}:${typeof value === "string" ? JSON.stringify(value) : String(value)}`;
  }
  out.metadataCanonical = `${canonical}}`;
}
