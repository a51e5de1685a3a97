/**
 * Loud loss: when the exporters give data up (an export answered FAILED, points the mapping
 * rejected, a queue overflow, a batch Syvain refused for good, a drain cut short), the user hears
 * of it without having set up `diag` or read `stats()`. By default a process warning of type
 * `SyvainDeliveryWarning`; with `onWarning`, that callback instead (and no process warning).
 *
 * Once per burst: at most one warning per experiment per `BURST_SECONDS`, so a run that keeps
 * failing every interval does not flood stderr. Data that gets through again ends the burst: the
 * next loss for that experiment warns at once.
 *
 * Three kinds, so a lesser one never silences a loss: data given up (`lost`), data still waiting
 * after a flush (`pending`: a note, not a loss, with a budget of its own), and a shutdown's final
 * account (`final`: the last word, always said). A "still pending" note once used up the burst, and
 * the loss that followed at shutdown was never heard.
 */
import { exporterDiag } from "./diag-logger.ts";

export type WarningHandler = (message: string) => void;

/** The quiet period after a warning, per experiment, unless a success ends it earlier. */
export const BURST_SECONDS = 60;

const emitProcessWarning: WarningHandler = (message) => process.emitWarning(message, { type: "SyvainDeliveryWarning" });

export class LossWarnings {
  readonly #handler: WarningHandler;
  /** Per slug, when its current burst's warning was given (ms since epoch), one map per kind. */
  readonly #lastLost = new Map<string, number>();
  readonly #lastPending = new Map<string, number>();

  constructor(onWarning: WarningHandler | undefined) {
    this.#handler = onWarning ?? emitProcessWarning;
  }

  /** Data for `slug` was given up: warn, unless this burst already did. Always on `diag` too. */
  lost(slug: string, message: string): void {
    this.#once(this.#lastLost, slug, message);
  }

  /** Data for `slug` still waits after a flush (not lost yet): warn once per burst of such notes. */
  pending(slug: string, message: string): void {
    this.#once(this.#lastPending, slug, message);
  }

  /** A shutdown's account of what it could not deliver (one per experiment): always said. */
  final(message: string): void {
    exporterDiag.warn(message);
    this.#say(message);
  }

  /** Syvain (or the sink) accepted a batch for `slug`: the next loss starts a new burst. */
  delivered(slug: string): void {
    this.#lastLost.delete(slug);
    this.#lastPending.delete(slug);
  }

  #once(lastWarned: Map<string, number>, slug: string, message: string): void {
    exporterDiag.warn(message);
    const now = Date.now();
    const last = lastWarned.get(slug);
    if (last !== undefined && now - last < BURST_SECONDS * 1000) return;
    lastWarned.set(slug, now);
    this.#say(message);
  }

  #say(message: string): void {
    try {
      this.#handler(message);
    } catch {
      // A throwing handler must not fail the export that lost the data (diag has the line).
    }
  }
}
