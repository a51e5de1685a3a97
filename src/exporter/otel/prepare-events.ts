/**
 * Mapping + enqueue for one resource group, chunk by chunk (`export-chunks.ts`), in the shape
 * `runGroup` takes. The experiment key of the event ids is the slug: stable across processes and
 * restarts, known before the experiment id.
 */
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ScopeMetrics } from "@opentelemetry/sdk-metrics";
import { logRecordsToAnnotations, metricsToEvents, type SteppedSumValues } from "../../mapping/index.ts";
import { chunkRecords, chunkScopeMetrics } from "./export-chunks.ts";
import type { PrepareChunk, PreparedEvents } from "./export-group.ts";

export function metricChunks(scopeMetrics: readonly ScopeMetrics[], slug: string, stepAttribute: string, steppedSums: SteppedSumValues): PrepareChunk[] {
  return chunkScopeMetrics(scopeMetrics).map((chunk) => () => prepareMetrics(chunk, slug, stepAttribute, steppedSums));
}

export function annotationChunks(records: readonly ReadableLogRecord[], slug: string): PrepareChunk[] {
  return chunkRecords(records).map((chunk) => () => prepareAnnotations(chunk, slug));
}

function prepareMetrics(scopeMetrics: readonly ScopeMetrics[], slug: string, stepAttribute: string, steppedSums: SteppedSumValues): PreparedEvents {
  const { events, dropped } = metricsToEvents(scopeMetrics, { experimentKey: slug, stepAttribute, steppedSums });
  return {
    count: events.length,
    dropped,
    enqueue: ({ outbox }) => {
      for (const event of events) outbox.enqueueMetric(event);
    },
  };
}

function prepareAnnotations(records: readonly ReadableLogRecord[], slug: string): PreparedEvents {
  const { events, dropped } = logRecordsToAnnotations(records, { experimentKey: slug });
  return {
    count: events.length,
    dropped,
    enqueue: ({ outbox }) => {
      for (const event of events) outbox.enqueueAnnotation(event);
    },
  };
}
