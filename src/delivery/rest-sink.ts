/**
 * Delivers one experiment's batches to the Syvain REST API through a `SyvainClient`. Every
 * request carries the batch's idempotency key; the client never retries ingest calls (the outbox
 * owns retries) and status updates are sent with `retries: 0` for the same reason. The client is
 * shared by every experiment of a collector, so closing the sink leaves it open; but it abandons
 * the sink's requests still in flight (the outbox closes its sink at its deadline), or closing the
 * client would wait for them, up to the ingest timeout.
 */
import type { IngestResult } from "../api/contract.ts";
import type { SyvainClient } from "../client/client-types.ts";
import type { Batch, DeliverySink } from "./delivery-types.ts";

export interface RestSinkOptions {
  client: SyvainClient;
  experimentId: string;
}

export function createRestSink({ client, experimentId }: RestSinkOptions): DeliverySink {
  const closing = new AbortController();
  const signal = closing.signal;
  return {
    async deliver(batch: Batch): Promise<IngestResult> {
      const idempotencyKey = batch.idempotencyKey;
      switch (batch.kind) {
        case "metric":
          return client.ingestMetrics(experimentId, batch.items, { idempotencyKey, signal });
        case "annotation":
          return client.ingestAnnotations(experimentId, batch.items, { idempotencyKey, signal });
        case "status":
          await client.updateExperimentStatus(experimentId, batch.status, { idempotencyKey, retries: 0, signal });
          return { accepted: 1, duplicates: 0 };
      }
    },
    close(): Promise<void> {
      closing.abort("the outbox closed at its deadline; the server may or may not have stored this request");
      return Promise.resolve();
    },
  };
}
