/**
 * Deterministic `client_event_id`s for OTel-origin events: `otel:` + base64url(sha-256(identity)),
 * 48 characters. The identity is a compact JSON array (so no field can bleed into another):
 *   stepped metric:   ["s", experimentKey, name, step, metadata]
 *   unstepped metric: ["t", experimentKey, name, "<startTime ns>", "<endTime ns>", value, metadata]
 *   annotation:       ["a", experimentKey, "<time ns>", text, metadata]
 * where `metadata` is canonical JSON (sorted keys). A stepped point's identity has no time and no
 * value, so re-sending the same step (a re-export, an OTLP retry) is a duplicate the server drops.
 * An unstepped point also carries its start time and value: the SDK stamps collections with
 * `Date.now()` (millisecond resolution), so two collections inside one millisecond share an end
 * time, and without them the second running total would be taken for a duplicate and lost.
 * A retry of the same point has the same start, end and value, so it is still a duplicate.
 */
import { hash } from "node:crypto";
import type { HrTime } from "@opentelemetry/api";

export const EVENT_ID_PREFIX = "otel:";

export function eventIdOf(identity: string): string {
  return EVENT_ID_PREFIX + hash("sha256", identity, "base64url");
}

/** Identity text of a metric point; `experimentKeyJson`/`nameJson` are `JSON.stringify`'d already (hot path). */
export function metricIdentity(
  experimentKeyJson: string,
  nameJson: string,
  step: number | null,
  unstepped: { startNanos: string; endNanos: string; value: number },
  metadataCanonical: string,
): string {
  if (step !== null) return `["s",${experimentKeyJson},${nameJson},${step},${metadataCanonical}]`;
  const { startNanos, endNanos, value } = unstepped;
  return `["t",${experimentKeyJson},${nameJson},"${startNanos}","${endNanos}",${value},${metadataCanonical}]`;
}

export function annotationIdentity(experimentKeyJson: string, timeNanos: string, text: string, metadataCanonical: string): string {
  return `["a",${experimentKeyJson},"${timeNanos}",${JSON.stringify(text)},${metadataCanonical}]`;
}

/** Exact decimal nanoseconds of an HrTime (a JS number would lose precision past 2^53 ns). */
export function hrTimeToNanosText(time: HrTime): string {
  const [seconds, nanos] = time;
  if (Number.isSafeInteger(seconds) && seconds >= 0 && Number.isInteger(nanos) && nanos >= 0 && nanos < 1e9) {
    return seconds === 0 ? String(nanos) : String(seconds) + String(nanos).padStart(9, "0");
  }
  // Not a normalized HrTime (hand-built data): fold it exactly through BigInt.
  return (BigInt(Math.trunc(seconds)) * 1_000_000_000n + BigInt(Math.round(nanos + (seconds % 1) * 1e9))).toString();
}

/** Milliseconds since the epoch, rounded down (a timestamp never lands after the instant it stands for). */
export function hrTimeToMillis(time: HrTime): number {
  const [seconds, nanos] = time;
  // Integer seconds: sum exact integers (a float sum near 1.7e12 could round 999.9999 ms up a whole ms).
  if (Number.isInteger(seconds)) return seconds * 1000 + Math.floor(nanos / 1e6);
  return Math.floor(seconds * 1000 + nanos / 1e6);
}

export function isZeroHrTime(time: HrTime | undefined): boolean {
  return time === undefined || (time[0] === 0 && time[1] === 0);
}

/** Remembers the last HrTime converted (compared by value): the SDK stamps a whole collection with one time. */
export class HrTimeConverter {
  #seconds = Number.NaN;
  #nanos = Number.NaN;
  nanosText = "";
  millis = 0;

  /** Converts `time`, leaving the results in `nanosText` / `millis`. */
  set(time: HrTime): this {
    if (time[0] !== this.#seconds || time[1] !== this.#nanos) {
      this.#seconds = time[0];
      this.#nanos = time[1];
      this.nanosText = hrTimeToNanosText(time);
      this.millis = hrTimeToMillis(time);
    }
    return this;
  }
}
