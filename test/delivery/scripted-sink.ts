// A DeliverySink whose answers a test scripts: accept, reject with an error, or hold the call
// until the test settles it. Records every call with its batch and the (fake) time it was made.
import type { IngestResult, MetricEvent } from "../../src/api/contract.ts";
import type { Batch, DeliverySink } from "../../src/delivery/delivery-types.ts";
import { SyvainApiError, type SyvainError } from "../../src/api/errors.ts";

export type Outcome = "accept" | "hold" | SyvainError | { duplicates: number };

export interface SinkCall {
  batch: Batch;
  at: number;
  resolve: (result?: IngestResult) => void;
  reject: (error: SyvainError) => void;
  settled: boolean;
}

export interface ScriptedSink extends DeliverySink {
  calls: SinkCall[];
  held(): SinkCall[];
  closed: boolean;
  syncs: number;
  script: (batch: Batch, index: number) => Outcome;
}

const sizeOf = (batch: Batch): number => (batch.kind === "status" ? 1 : batch.items.length);

export function scriptedSink(script: (batch: Batch, index: number) => Outcome = () => "accept"): ScriptedSink {
  const sink: ScriptedSink = {
    calls: [],
    closed: false,
    syncs: 0,
    script,
    held: () => sink.calls.filter((c) => !c.settled),
    deliver(batch: Batch): Promise<IngestResult> {
      return new Promise<IngestResult>((resolve, reject) => {
        const call: SinkCall = {
          batch,
          at: Date.now(),
          settled: false,
          resolve: (result) => {
            call.settled = true;
            resolve(result ?? { accepted: sizeOf(batch), duplicates: 0 });
          },
          reject: (error) => {
            call.settled = true;
            reject(error);
          },
        };
        sink.calls.push(call);
        const outcome = sink.script(batch, sink.calls.length - 1);
        if (outcome === "accept") call.resolve();
        else if (outcome === "hold") return;
        else if ("duplicates" in outcome) call.resolve({ accepted: sizeOf(batch) - outcome.duplicates, duplicates: outcome.duplicates });
        else call.reject(outcome);
      });
    },
    sync() {
      sink.syncs++;
      return Promise.resolve();
    },
    close() {
      sink.closed = true;
      return Promise.resolve();
    },
  };
  return sink;
}

export const unavailable = (retryAfterMs?: number): SyvainApiError =>
  new SyvainApiError("server", "503 unavailable", { status: 503, retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
export const tooLarge = (): SyvainApiError => new SyvainApiError("payload_too_large", "413", { status: 413 });
export const invalid = (): SyvainApiError => new SyvainApiError("validation", "422 validation_failed", { status: 422 });

let counter = 0;
export function metric(name = "loss", step: number | null = null): MetricEvent {
  counter++;
  return { client_event_id: `e${counter}`, name, value: counter / 7, step, timestamp: 1_700_000_000_000 + counter, metadata: {} };
}

export const idsOf = (batch: Batch): string[] => (batch.kind === "status" ? [batch.status] : batch.items.map((i) => i.client_event_id));

/** Deterministic PRNG for randomized tests (mulberry32), shared with the mapping tests. */
export { seededRandom } from "../mapping/random-json.ts";
