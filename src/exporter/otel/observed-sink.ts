/**
 * A sink wrapper that remembers whether the latest delivery failed retryably (a 429, a 5xx, a
 * reset...) and forgets it on the next success. The outbox's own `lastError` is sticky (it is the
 * last error ever), so it cannot tell "Syvain is down now" from "Syvain was down an hour ago".
 */
import { SyvainError } from "../../api/errors.ts";
import type { DeliverySink } from "../../delivery/delivery-types.ts";

export interface DeliveryHealth {
  /** Set by a retryable failure, cleared by the next accepted batch. */
  retryableFailure: SyvainError | undefined;
}

export function observeSink(sink: DeliverySink, health: DeliveryHealth): DeliverySink {
  const observed: DeliverySink = {
    async deliver(batch) {
      try {
        const result = await sink.deliver(batch);
        health.retryableFailure = undefined;
        return result;
      } catch (error) {
        if (error instanceof SyvainError && error.retryable) health.retryableFailure = error;
        throw error;
      }
    },
    close: () => sink.close(),
  };
  if (sink.sync !== undefined) observed.sync = () => sink.sync?.() ?? Promise.resolve();
  return observed;
}
