/** The errors the outbox itself produces (the sink's own errors pass through unchanged). */
import { SyvainError, wrapUnexpected } from "../api/errors.ts";
import type { FlushStatus } from "./delivery-types.ts";

/** A sink must reject with a `SyvainError`; anything else is a bug there: `internal`, not retried. */
export function toSyvainError(error: unknown, label: string): SyvainError {
  return wrapUnexpected(error, label);
}

export function shutdownError(label: string): SyvainError {
  return new SyvainError("shutdown", `${label}: closed; events recorded after close() are dropped`);
}

export function overflowError(label: string, maxQueueItems: number): SyvainError {
  return new SyvainError(
    "queue_overflow",
    `${label}: queue full (maxQueueItems ${maxQueueItems}); the oldest unsent events are being dropped and counted, so flushOrRaise() will fail`,
  );
}

/** `flushOrRaise()` found something pending, failed or dropped; `status` says what. */
export class DeliveryIncompleteError extends SyvainError {
  readonly status: FlushStatus;

  constructor(status: FlushStatus, label = "delivery") {
    super("delivery_incomplete", describeIncomplete(label, status), { cause: status.lastError });
    this.name = "DeliveryIncompleteError";
    this.status = status;
  }
}

function describeIncomplete(label: string, s: FlushStatus): string {
  const parts = [
    ["pending metrics", s.pendingMetrics],
    ["pending annotations", s.pendingAnnotations],
    ["pending status updates", s.pendingStatusUpdates],
    ["failed metrics", s.failedMetrics],
    ["failed annotations", s.failedAnnotations],
    ["failed status updates", s.failedStatusUpdates],
    ["dropped metrics", s.droppedMetrics],
    ["dropped annotations", s.droppedAnnotations],
  ] as const;
  const counts = parts.filter(([, n]) => n > 0).map(([what, n]) => `${n} ${what}`);
  const last = s.lastError ? `; last error: ${s.lastError.message}` : "";
  // No count but not ok: what was delivered could not be made durable (a JSONL file's fsync, the offline spool's).
  return `${label} incomplete: ${counts.join(", ") || "nothing pending, failed or dropped, but what was delivered is not safely stored"}${last}`;
}
