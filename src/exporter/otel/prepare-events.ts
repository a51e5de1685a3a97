/**
 * Mapping + enqueue for one resource group, in the shape `runExport` takes. The experiment key of
 * the event ids is the slug: stable across processes and restarts, known before the experiment id.
 */
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ScopeMetrics } from "@opentelemetry/sdk-metrics";
import { describeDrops, logRecordsToAnnotations, metricsToEvents } from "../../mapping/index.ts";
import type { DroppedPoints } from "../../mapping/index.ts";
import type { PreparedEvents } from "./run-export.ts";

export function prepareMetrics(scopeMetrics: readonly ScopeMetrics[], slug: string, stepAttribute: string): PreparedEvents {
  const { events, dropped } = metricsToEvents(scopeMetrics, { experimentKey: slug, stepAttribute });
  return {
    count: events.length,
    ...invalidOf(dropped),
    enqueue: ({ outbox }) => {
      for (const event of events) outbox.enqueueMetric(event);
    },
  };
}

export function prepareAnnotations(records: readonly ReadableLogRecord[], slug: string): PreparedEvents {
  const { events, dropped } = logRecordsToAnnotations(records, { experimentKey: slug });
  return {
    count: events.length,
    ...invalidOf(dropped),
    enqueue: ({ outbox }) => {
      for (const event of events) outbox.enqueueAnnotation(event);
    },
  };
}

function invalidOf(dropped: readonly DroppedPoints[]): { invalid: number; invalidSummary: string } {
  return { invalid: dropped.reduce((sum, drop) => sum + drop.count, 0), invalidSummary: dropped.length === 0 ? "" : describeDrops(dropped) };
}
