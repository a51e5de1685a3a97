/**
 * Drop reports: what the mapping could not turn into a valid Syvain event, counted per
 * (reason, metric) with one example message that names the offending value. Never thrown, never silent.
 */

import { describeObject } from "./json.ts";

export type DropReason =
  /** A value (or histogram component) that is NaN, Infinity or -Infinity. */
  | "non_finite_value"
  /** OTLP `DataPointFlags.NO_RECORDED_VALUE` (`flags & 1`): the point carries no value. */
  | "no_recorded_value"
  /**
   * The SDK's overflow point (attribute `otel.metric.overflow`): past its cardinality limit (2,000
   * attribute sets per metric and collection by default) it folds every further series, steps
   * included, into this one point, which stands for no step of any of them.
   */
  | "cardinality_overflow"
  /** The step attribute is present but not a non-negative safe integer. */
  | "invalid_step"
  /** A Sum (counter) total at a step already exported with another total: Syvain keeps the first (stepped-sums.ts). */
  | "restated_step"
  /** A value that is not a number at all (a malformed decoded point). */
  | "invalid_value"
  /** A metric without a name (possible in decoded OTLP; the API rejects an empty name). */
  | "invalid_name"
  /** A data point type the mapping does not handle (e.g. an OTLP summary). */
  | "unsupported_type"
  /** A log record with neither a record time nor an observed time. */
  | "missing_timestamp"
  /** Annotation text over 16,000 characters or metadata over 65,536 bytes of compact JSON. */
  | "annotation_too_large";

export interface DroppedPoints {
  reason: DropReason;
  /** Metric (or histogram component) name; `"annotation"` for log records. */
  metric: string;
  count: number;
  /** One example, naming the value. */
  example: string;
}

/** Longest value shown in an example message. */
const MAX_SHOWN_CHARS = 120;

export class DropCounter {
  readonly #byKey = new Map<string, DroppedPoints>();

  add(reason: DropReason, metric: string, example: string, count = 1): void {
    const key = `${reason}\u0000${metric}`;
    const existing = this.#byKey.get(key);
    if (existing === undefined) this.#byKey.set(key, { reason, metric, count, example });
    else existing.count += count;
  }

  list(): DroppedPoints[] {
    return [...this.#byKey.values()];
  }
}

/** A short, readable rendering of any value for an example message. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "bigint") text = `${value}n`;
  else if (value instanceof Uint8Array) text = `Uint8Array(${value.length})`;
  else if (typeof value === "object" && value !== null) {
    try {
      text = JSON.stringify(value) ?? describeObject(value);
    } catch {
      text = describeObject(value);
    }
  } else text = String(value);
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
}

/** One line for logs / diagnostics: `3 dropped: 2 × non_finite_value (loss: value NaN …), 1 × …`. */
export function describeDrops(dropped: readonly DroppedPoints[]): string {
  const total = dropped.reduce((sum, d) => sum + d.count, 0);
  const parts = dropped.map((d) => `${d.count} × ${d.reason} (${d.example})`);
  return `${total} dropped: ${parts.join(", ")}`;
}
