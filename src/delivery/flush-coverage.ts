/**
 * A flush judged on what it covers: the events enqueued before it began. A `FlushStatus` counts
 * every pending event of the outbox, including those enqueued while the flush ran (an OTel job
 * keeps logging while its meter provider shuts down), which no flush could have delivered; judged
 * on those, a flush that delivered everything it covered would read "incomplete".
 */
import type { FlushStatus } from "./delivery-types.ts";

/** Per kind, items still pending among those a flush covers. */
export interface PendingCounts {
  metrics: number;
  annotations: number;
  statusUpdates: number;
}

/**
 * The status with its pending counts narrowed to what the flush covered. Failures and drops stay
 * as they are: they are sticky, the outbox's lifetime account, and were all enqueued before.
 */
export function coveredStatus(status: FlushStatus, covered: PendingCounts, syncFailed: boolean): FlushStatus {
  const pendingMetrics = Math.min(status.pendingMetrics, covered.metrics);
  const pendingAnnotations = Math.min(status.pendingAnnotations, covered.annotations);
  const pendingStatusUpdates = Math.min(status.pendingStatusUpdates, covered.statusUpdates);
  const lost = status.failedMetrics + status.failedAnnotations + status.failedStatusUpdates + status.droppedMetrics + status.droppedAnnotations;
  return {
    ...status,
    ok: !syncFailed && lost + pendingMetrics + pendingAnnotations + pendingStatusUpdates === 0,
    pendingMetrics,
    pendingAnnotations,
    pendingStatusUpdates,
  };
}
