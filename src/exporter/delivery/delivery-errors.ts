/** The errors the outbox itself produces (the sink's own errors pass through unchanged). */
import { SyvainError } from "../../errors.ts";

/** A sink must reject with a `SyvainError`; anything else is a bug there, kept as `cause` and not retried. */
export function toSyvainError(error: unknown, label: string): SyvainError {
  if (error instanceof SyvainError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SyvainError("invalid_response", `${label}: delivery failed unexpectedly: ${message}`, { cause: error });
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
