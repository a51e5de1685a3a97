/**
 * Event ids computed the slow, obvious way (one call per point), for tests that check what the
 * mapping's hot path produced. Built on the same identity functions the mapping uses.
 */
import type { HrTime } from "@opentelemetry/api";
import type { JsonObject, MetricMetadata } from "../../src/api/contract.ts";
import { annotationIdentity, eventIdOf, hrTimeToNanosText, metricIdentity } from "../../src/mapping/event-id.ts";
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
  const unstepped = { startNanos: hrTimeToNanosText(point.startTime), endNanos: hrTimeToNanosText(point.endTime), value: point.value };
  const identity = metricIdentity(JSON.stringify(point.experimentKey), JSON.stringify(point.name), point.step, unstepped, canonicalJson(point.metadata));
  return eventIdOf(identity);
}

export function annotationEventId(experimentKey: string, time: HrTime, text: string, metadata: JsonObject): string {
  return eventIdOf(annotationIdentity(JSON.stringify(experimentKey), hrTimeToNanosText(time), text, canonicalJson(metadata)));
}
