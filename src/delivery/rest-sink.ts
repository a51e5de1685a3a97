/**
 * Delivers one experiment's batches to the Syvain REST API through a `SyvainClient`. Every
 * request carries the batch's idempotency key; the client never retries ingest calls (the outbox
 * owns retries) and status updates are sent with `retries: 0` for the same reason. The client is
 * shared by every experiment of a collector, so closing the sink leaves it open; but it abandons
 * the sink's requests still in flight (the outbox closes its sink at its deadline), or closing the
 * client would wait for them, up to the ingest timeout. A flush deadline aborts single requests
 * (`deliver`'s signal); those fail retryably and stay pending.
 */
import type { IngestResult } from "../api/contract.ts";
import { SyvainApiError } from "../api/errors.ts";
import type { SyvainClient } from "../client/client-types.ts";
import type { Batch, DeliverySink } from "./delivery-types.ts";
import { abortEither } from "./abort-either.ts";

export interface RestSinkOptions {
  client: SyvainClient;
  experimentId: string;
}

export function createRestSink({ client, experimentId }: RestSinkOptions): DeliverySink {
  const closing = new AbortController();
  const signal = closing.signal;
  return {
    async deliver(batch: Batch, deadline?: AbortSignal): Promise<IngestResult> {
      const either = deadline === undefined ? undefined : abortEither(signal, deadline);
      const options = { idempotencyKey: batch.idempotencyKey, signal: either === undefined ? signal : either.signal };
      try {
        switch (batch.kind) {
          case "metric":
            return await client.ingestMetrics(experimentId, batch.items, options);
          case "annotation":
            return await client.ingestAnnotations(experimentId, batch.items, options);
          case "status":
            await client.updateExperimentStatus(experimentId, batch.status, { ...options, retries: 0 });
            return { accepted: 1, duplicates: 0 };
        }
      } catch (error) {
        // A flush deadline (not the close) cut it short: the items stay pending, to be retried.
        if (deadline?.aborted === true && !signal.aborted) throw abandonedAtDeadline(error);
        throw error;
      } finally {
        either?.release();
      }
    },
    close(): Promise<void> {
      closing.abort("the outbox closed at its deadline; the server may or may not have stored this request");
      return Promise.resolve();
    },
  };
}

function abandonedAtDeadline(error: unknown): SyvainApiError {
  const request = error instanceof SyvainApiError ? error.request : undefined;
  return new SyvainApiError("timeout", `${request ?? "request"} abandoned at the flush deadline without an answer; it may succeed on a retry`, {
    retryable: true,
    cause: error,
    ...(request === undefined ? {} : { request }),
  });
}
