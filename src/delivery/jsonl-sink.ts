/**
 * Delivers one experiment's batches as JSONL records (`{"type": "metric", "experiment": "<slug>", ...}`)
 * through a shared `JsonlWriter`. A batch counts as delivered only once its lines are in the file
 * (`commit`); the outbox's flush then calls `sync()` (fsync), and says `ok: false` if that fails.
 * When the file cannot store a batch (a full disk) none of it is in the file: the delivery rejects
 * retryably, and the outbox keeps the batch pending and sends it again. The writer may serve
 * several experiments, so closing the sink does not close it.
 */
import type { IngestResult } from "../api/contract.ts";
import type { Batch, DeliverySink } from "./delivery-types.ts";
import type { JsonlRecord, JsonlWriter } from "./jsonl-writer.ts";
import { toSyvainError } from "./delivery-errors.ts";

export interface JsonlSinkOptions {
  writer: JsonlWriter;
  experiment: { id: string; slug: string };
}

export function createJsonlSink({ writer, experiment }: JsonlSinkOptions): DeliverySink {
  const slug = experiment.slug;
  return {
    async deliver(batch: Batch): Promise<IngestResult> {
      const records: JsonlRecord[] =
        batch.kind === "status"
          ? [{ type: "status", experiment: slug, experiment_id: experiment.id, status: batch.status, timestamp: Date.now() }]
          : batch.items.map((item) => ({ type: batch.kind, experiment: slug, ...item }));
      try {
        await writer.commit(records);
      } catch (error) {
        // The contract: a sink rejects with a SyvainError (the writer's io / shutdown errors pass through).
        throw toSyvainError(error, `JSONL output for ${slug}`);
      }
      return { accepted: records.length, duplicates: 0 };
    },
    sync(): Promise<void> {
      return writer.sync();
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
