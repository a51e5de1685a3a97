/**
 * Event ids computed the slow, obvious way (one call per point, the documented format spelled out
 * here), for tests that check what the mapping's hot path (with its per-series caches) produced.
 */
import { createHash } from "node:crypto";
import type { HrTime } from "@opentelemetry/api";
import type { JsonObject, MetricMetadata } from "../../src/api/contract.ts";
import { annotationIdentity, eventIdOf, hrTimeToNanosText } from "../../src/mapping/event-id.ts";
import { canonicalJson } from "../../src/mapping/json.ts";

/** `startTime`, `endTime` and `value` matter only without a step. */
export function metricEventId(point: {
  experimentKey: string;
  name: string;
  metadata: MetricMetadata;
  step: number | null;
  startTime: HrTime;
  endTime: HrTime;
  value: number;
}): string {
  const key = JSON.stringify(point.experimentKey);
  const name = JSON.stringify(point.name);
  const metadata = canonicalJson(point.metadata);
  if (point.step !== null) {
    // `otel:` + 192 bits of the series digest + the step in base 36 over 11 characters.
    const series = createHash("sha256").update(`["s",${key},${name},${metadata}]`).digest("base64url");
    return `otel:${series.slice(0, 32)}${point.step.toString(36).padStart(11, "0")}`;
  }
  const [start, end] = [hrTimeToNanosText(point.startTime), hrTimeToNanosText(point.endTime)];
  return `otel:${createHash("sha256").update(`["t",${key},${name},"${start}","${end}",${point.value},${metadata}]`).digest("base64url")}`;
}

export function annotationEventId(experimentKey: string, time: HrTime, text: string, metadata: JsonObject): string {
  return eventIdOf(annotationIdentity(JSON.stringify(experimentKey), hrTimeToNanosText(time), text, canonicalJson(metadata)));
}
