/**
 * Whether Syvain rejects the bridge's key *now*, as its deliveries see it: set by a 401/403, cleared
 * by the next batch Syvain accepts. A key is rejected for a spell (a rotation, an auth outage) as
 * well as for good; an outbox's `lastError` is sticky, and read from it `/readyz` stayed 503 after
 * the key worked again, which in Kubernetes takes the pod out of its Service while liveness stays green.
 *
 * With a spool, a rejected key is also waited out like an outage: the batch is retried (backoff
 * capped at 30 s, at once when another batch gets through) instead of being given up, so the
 * running bridge delivers it once Syvain accepts the key again. Its events are on disk meanwhile
 * (the sender had its 200), and new ones spill there, so memory stays bounded; what is left when the
 * bridge stops stays in the spool for the next one. Without a spool the batch fails as before.
 */
import { SyvainApiError, SyvainError } from "../api/errors.ts";
import type { DeliverySink } from "../delivery/delivery-types.ts";

/** Syvain refused the key (401) or what it may do (403): a rejection that does not end by retrying alone. */
export function isKeyRejection(error: unknown): error is SyvainError {
  return error instanceof SyvainError && (error.code === "auth" || error.code === "forbidden");
}

export class KeyWatch {
  readonly #waitOut: boolean;
  #rejected: { slug: string; error: SyvainError } | undefined;

  /** `waitOut`: retry a rejected key's batches until Syvain accepts it (a spool holds them). */
  constructor(waitOut: boolean) {
    this.#waitOut = waitOut;
  }

  /** Why the bridge is not ready for its key, or `undefined` once a delivery succeeded since the last rejection. */
  rejection(): string | undefined {
    const rejected = this.#rejected;
    if (rejected === undefined) return undefined;
    return `Syvain rejects the API key (experiment ${JSON.stringify(rejected.slug)}: ${rejected.error.message})`;
  }

  /** One experiment's sink, watched (and with `waitOut`, its key rejections retried). */
  watch(sink: DeliverySink, slug: string): DeliverySink {
    const watched: DeliverySink = {
      deliver: async (batch, signal) => {
        try {
          const result = await sink.deliver(batch, signal);
          this.#rejected = undefined;
          return result;
        } catch (error) {
          if (!isKeyRejection(error)) throw error;
          this.#rejected = { slug, error };
          throw this.#waitOut ? waitedOut(error) : error;
        }
      },
      close: () => sink.close(),
    };
    if (sink.sync !== undefined) watched.sync = () => sink.sync?.() ?? Promise.resolve();
    return watched;
  }
}

/** The same rejection, retryable: the outbox keeps the batch and tries again, as during an outage. */
function waitedOut(error: SyvainError): SyvainError {
  const message = `${error.message}; retried until Syvain accepts the key (the events wait in the spool)`;
  const api = error instanceof SyvainApiError ? { status: error.status, serverCode: error.serverCode, request: error.request } : {};
  return new SyvainApiError(error.code, message, { ...api, cause: error, retryable: true });
}
