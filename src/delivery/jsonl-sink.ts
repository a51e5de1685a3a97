/**
 * Delivers one experiment's batches as JSONL records (`{"type": "metric", "experiment": "<slug>", ...}`)
 * through a shared `JsonlWriter`. Nothing is lost between `deliver` and the file: the writer buffers,
 * and the outbox's flush calls `sync()` (write + fsync). The writer may serve several experiments,
 * so closing the sink does not close it.
 */
import type { IngestResult } from "../api/contract.ts";
import type { Batch, DeliverySink } from "./delivery-types.ts";
import type { JsonlWriter } from "./jsonl-writer.ts";
import { toSyvainError } from "./delivery-errors.ts";

export interface JsonlSinkOptions {
  writer: JsonlWriter;
  experiment: { id: string; slug: string };
}

export function createJsonlSink({ writer, experiment }: JsonlSinkOptions): DeliverySink {
  const slug = experiment.slug;
  return {
    deliver(batch: Batch): Promise<IngestResult> {
      try {
        if (batch.kind === "status") {
          writer.append({ type: "status", experiment: slug, experiment_id: experiment.id, status: batch.status, timestamp: Date.now() });
          return Promise.resolve({ accepted: 1, duplicates: 0 });
        }
        for (const item of batch.items) writer.append({ type: batch.kind, experiment: slug, ...item });
        return Promise.resolve({ accepted: batch.items.length, duplicates: 0 });
      } catch (error) {
        // The contract: a sink rejects (with a SyvainError), it never throws.
        return Promise.reject(toSyvainError(error, `JSONL output for ${slug}`));
      }
    },
    sync(): Promise<void> {
      return writer.sync();
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
