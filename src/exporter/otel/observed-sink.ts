/**
 * A sink wrapper that remembers whether Syvain is failing now: set by a retryable failure (a 429, a
 * 5xx, a reset...) and kept until every batch that failed so has been delivered. The outbox's own
 * `lastError` is sticky (it is the last error ever), so it cannot tell "Syvain is down now" from
 * "Syvain was down an hour ago".
 *
 * Why not forget on the first success: after an outage the backlog is retried as several batches,
 * each on its own jittered timer. Clearing on the first one made `/readyz` say ready while the
 * rest of the backlog still filled the queue, and the bridge then refused the sender's next
 * request for lack of room: "ready", then 503.
 */
import { SyvainError } from "../../api/errors.ts";
import type { DeliverySink } from "../../delivery/delivery-types.ts";

export interface DeliveryHealth {
  /** A retryable failure of a batch not delivered since; `undefined` once each such batch is. */
  retryableFailure: SyvainError | undefined;
}

/** What the exporters' loss warnings need to hear of. */
export interface DeliveryEvents {
  /** A batch was accepted. */
  delivered(): void;
  /**
   * A batch Syvain refused for good (not retryable), with its item count. A too-large batch of
   * several items is not given up: the outbox splits it and sends the halves.
   */
  gaveUp(error: SyvainError, items: number): void;
}

export function observeSink(sink: DeliverySink, health: DeliveryHealth, events?: DeliveryEvents): DeliverySink {
  // A retried batch keeps its idempotency key: failing batches are tracked by it.
  const failing = new Map<string, SyvainError>();
  const update = (): void => {
    health.retryableFailure = [...failing.values()].at(-1);
  };
  const observed: DeliverySink = {
    async deliver(batch) {
      try {
        const result = await sink.deliver(batch);
        failing.delete(batch.idempotencyKey);
        events?.delivered();
        return result;
      } catch (error) {
        // A batch that now fails for good (or is split) is no longer waiting for Syvain to recover.
        if (error instanceof SyvainError && error.retryable) failing.set(batch.idempotencyKey, error);
        else failing.delete(batch.idempotencyKey);
        const items = batch.kind === "status" ? 0 : batch.items.length;
        const split = error instanceof SyvainError && error.code === "payload_too_large" && items > 1;
        if (error instanceof SyvainError && !error.retryable && !split && items > 0) events?.gaveUp(error, items);
        throw error;
      } finally {
        update();
      }
    },
    close: () => sink.close(),
  };
  if (sink.sync !== undefined) observed.sync = () => sink.sync?.() ?? Promise.resolve();
  return observed;
}
