/**
 * Deterministic `client_event_id`s for OTel-origin events: `otel:` + 43 base64url characters.
 * Identities are compact JSON arrays (so no field can bleed into another), `metadata` being
 * canonical JSON (sorted keys):
 *   stepped metric:   series ["s", experimentKey, name, metadata] hashed once, then the step:
 *                     `otel:` + first 32 chars of base64url(sha-256(series)) + the step in base 36,
 *                     zero-padded to 11 characters (every non-negative safe integer fits).
 *   unstepped metric: base64url(sha-256(["t", experimentKey, name, "<startTime ns>", "<endTime ns>", value, metadata]))
 *   annotation:       base64url(sha-256(["a", experimentKey, "<time ns>", text, metadata]))
 * A stepped point's id is its series' digest (192 bits, collision-free in practice) followed by a
 * fixed-width step, so two points share an id exactly when they share series and step; the series
 * digest is computed once per series, not once per point (the SHA-256 call was half the mapping's
 * cost per point). It has no time and no value, so re-sending the same step (a re-export, an OTLP
 * retry) is a duplicate the server drops.
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

/** Characters of the series digest in a stepped id: 192 bits. */
const SERIES_DIGEST_CHARS = 32;
/** Width of the step in a stepped id: 36^11 > 2^53, so every non-negative safe integer fits. */
const STEP_CHARS = 11;

/** Identity text of a series (stepped points); `experimentKeyJson`/`nameJson` are `JSON.stringify`'d already (hot path). */
export function seriesIdentity(experimentKeyJson: string, nameJson: string, metadataCanonical: string): string {
  return `["s",${experimentKeyJson},${nameJson},${metadataCanonical}]`;
}

/** What every stepped id of the series starts with: hashed once per series. */
export function seriesIdPrefix(seriesIdentityText: string): string {
  return EVENT_ID_PREFIX + hash("sha256", seriesIdentityText, "base64url").slice(0, SERIES_DIGEST_CHARS);
}

/** The zeros that pad a step of `n` base-36 digits are `STEP_PADDING[STEP_CHARS - n]`. */
const STEP_PADDING = Array.from({ length: STEP_CHARS + 1 }, (_, zeros) => "0".repeat(zeros));

/** Identity text of an unstepped metric point. */
export function unsteppedIdentity(
  experimentKeyJson: string,
  nameJson: string,
  unstepped: { startNanos: string; endNanos: string; value: number },
  metadataCanonical: string,
): string {
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

/** Series digests kept by one `SteppedIds`; beyond it the map starts over (bounds memory, not correctness). */
const MAX_CACHED_SERIES = 1024;

/**
 * Stepped ids for one mapping call: the last series' prefix is reused while points continue it
 * (compared by name and canonical metadata text), and interleaved series find theirs in a bounded map.
 * The id is `prefix + zeros + digits` with `digits = step.toString(36)`, i.e. the step padded to
 * `STEP_CHARS` as documented above; `prefix + zeros` is kept per digit count for the last series,
 * so a point costs one concatenation (`padStart` and a second concatenation were a third of it).
 */
export class SteppedIds {
  readonly #experimentKeyJson: string;
  readonly #prefixes = new Map<string, string>();
  #lastNameJson: string | undefined;
  #lastMetadata = "";
  #lastPrefix = "";
  /** `#lastPrefix` + the zeros for a step of `n` digits, at index `n` (filled on first use). */
  #paddedPrefixes: (string | undefined)[] = [];

  constructor(experimentKeyJson: string) {
    this.#experimentKeyJson = experimentKeyJson;
  }

  id(nameJson: string, metadataCanonical: string, step: number): string {
    if (nameJson !== this.#lastNameJson || metadataCanonical !== this.#lastMetadata) {
      const identity = seriesIdentity(this.#experimentKeyJson, nameJson, metadataCanonical);
      let prefix = this.#prefixes.get(identity);
      if (prefix === undefined) {
        if (this.#prefixes.size >= MAX_CACHED_SERIES) this.#prefixes.clear();
        prefix = seriesIdPrefix(identity);
        this.#prefixes.set(identity, prefix);
      }
      this.#lastNameJson = nameJson;
      this.#lastMetadata = metadataCanonical;
      this.#lastPrefix = prefix;
      this.#paddedPrefixes = [];
    }
    const digits = step.toString(36);
    const padded = (this.#paddedPrefixes[digits.length] ??= this.#lastPrefix + STEP_PADDING[STEP_CHARS - digits.length]!);
    return padded + digits;
  }
}
