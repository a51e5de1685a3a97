/** Hands spool errors to the caller's `onError`, shielding the flusher from a throwing callback. */
import { SpoolError } from "./spool-errors.ts";
import type { SpoolCounters } from "./spool-stats.ts";

export class Reporter {
  readonly #onError: ((error: SpoolError) => void) | undefined;
  readonly #counters: SpoolCounters;
  #badReported = false;
  #fullReported = false;

  constructor(onError: ((error: SpoolError) => void) | undefined, counters: SpoolCounters) {
    this.#onError = onError;
    this.#counters = counters;
  }

  report(error: SpoolError): void {
    try {
      this.#onError?.(error);
    } catch {
      // a throwing callback must not break the flusher
    }
  }

  /** Counts an append refused for room; reports only the first (a full spool refuses every append until acks free room). */
  refusedFull(dir: string, maxBytes: number): void {
    this.#counters.refusedFull++;
    if (this.#fullReported) return;
    this.#fullReported = true;
    this.report(new SpoolError("full", `spool ${dir} is full (maxBytes ${maxBytes}): records are refused until delivered ones free room (further refusals are only counted in stats().refusedFull)`));
  }

  /** Counts a skipped record; reports only the first (a systematic bug would otherwise report every event). */
  badRecord(reason: string): void {
    this.#counters.badRecords++;
    if (this.#badReported) return;
    this.#badReported = true;
    this.report(new SpoolError("bad_record", `spool record skipped: ${reason} (further skipped records are only counted in stats().badRecords)`));
  }
}
