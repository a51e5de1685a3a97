/** A sink that accepts everything and sends nothing: dry runs and tests (`NoopCollector`). */
import type { IngestResult } from "../api/contract.ts";
import type { Batch, DeliverySink } from "./delivery-types.ts";

export function createNoopSink(): DeliverySink {
  return {
    deliver(batch: Batch): Promise<IngestResult> {
      return Promise.resolve({ accepted: batch.kind === "status" ? 1 : batch.items.length, duplicates: 0 });
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
