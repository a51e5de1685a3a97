/**
 * Lifetime counters of one kind of item. `pending` is kept explicitly so that, at every moment,
 * `enqueued = accepted + pending + failed + dropped` (every transition moves one count to another).
 */
import type { FlushStatus, OutboxKindStats, OutboxStats } from "./delivery-types.ts";
import type { SyvainError } from "../api/errors.ts";

export class KindCounters implements OutboxKindStats {
  enqueued = 0;
  accepted = 0;
  duplicates = 0;
  pending = 0;
  failed = 0;
  dropped = 0;

  snapshot(): OutboxKindStats {
    const { enqueued, accepted, duplicates, pending, failed, dropped } = this;
    return { enqueued, accepted, duplicates, pending, failed, dropped };
  }
}

export interface OutboxCounters {
  metrics: KindCounters;
  annotations: KindCounters;
  statusUpdates: KindCounters;
}

export function statsOf(c: OutboxCounters, lastError: SyvainError | undefined): OutboxStats {
  return {
    metrics: c.metrics.snapshot(),
    annotations: c.annotations.snapshot(),
    statusUpdates: c.statusUpdates.snapshot(),
    lastError,
  };
}

export function flushStatusOf(c: OutboxCounters, retryableFailures: number, lastError: SyvainError | undefined): FlushStatus {
  const { metrics: m, annotations: a, statusUpdates: s } = c;
  const ok = m.pending + a.pending + s.pending + m.failed + a.failed + s.failed + m.dropped + a.dropped + s.dropped === 0;
  return {
    ok,
    pendingMetrics: m.pending,
    pendingAnnotations: a.pending,
    pendingStatusUpdates: s.pending,
    failedMetrics: m.failed,
    failedAnnotations: a.failed,
    failedStatusUpdates: s.failed,
    droppedMetrics: m.dropped,
    droppedAnnotations: a.dropped,
    retryableFailures,
    lastError,
  };
}
