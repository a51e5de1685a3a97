/** Hands spool errors to the caller's `onError`, shielding the flusher from a throwing callback. */
import { SpoolError } from "./spool-errors.ts";
import type { SpoolCounters } from "./spool-stats.ts";

const FULL_REPORT_INTERVAL_MS = 60_000;

export class Reporter {
  readonly #onError: ((error: SpoolError) => void) | undefined;
  readonly #counters: SpoolCounters;
  #badReported = false;
  /** Appends are being refused for room (since the budget last had some). */
  #full = false;
  #fullReportedAt = Number.NEGATIVE_INFINITY;

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

  /**
   * The disk budget was asked again (the appends it allowed ran out): without room, counts the
   * append refused. The first refusal of each spell is reported (a full spool refuses every append
   * until acks free room; a later spell, after room came back, is a new loss of crash safety), at
   * most once a minute (a spool at its bound flips between room and none record by record).
   */
  roomFor(hasRoom: boolean, dir: string, maxBytes: number, nowMs: number): boolean {
    if (hasRoom) {
      this.#full = false;
      return true;
    }
    this.#counters.refusedFull++;
    if (this.#full) return false;
    this.#full = true;
    if (nowMs - this.#fullReportedAt < FULL_REPORT_INTERVAL_MS) return false;
    this.#fullReportedAt = nowMs;
    this.report(new SpoolError("full", `spool ${dir} is full (maxBytes ${maxBytes}): records are refused until acknowledged ones free room (stats().refusedFull counts them)`));
    return false;
  }

  /** Counts a skipped record; reports only the first (a systematic bug would otherwise report every event). */
  badRecord(reason: string): void {
    this.#counters.badRecords++;
    if (this.#badReported) return;
    this.#badReported = true;
    this.report(new SpoolError("bad_record", `spool record skipped: ${reason} (further skipped records are only counted in stats().badRecords)`));
  }
}
