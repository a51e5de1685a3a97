/**
 * Loud loss: when the exporters give data up (an export answered FAILED, points the mapping
 * rejected, a queue overflow, a batch Syvain refused for good, a drain cut short), the user hears
 * of it without having set up `diag` or read `stats()`. By default a process warning of type
 * `SyvainDeliveryWarning`; with `onWarning`, that callback instead (and no process warning).
 *
 * Once per burst: at most one warning per experiment per `BURST_SECONDS`, so a run that keeps
 * failing every interval does not flood stderr. Data that gets through again ends the burst: the
 * next loss for that experiment warns at once.
 */
import { exporterDiag } from "./diag-logger.ts";

export type WarningHandler = (message: string) => void;

/** The quiet period after a warning, per experiment, unless a success ends it earlier. */
export const BURST_SECONDS = 60;

const emitProcessWarning: WarningHandler = (message) => process.emitWarning(message, { type: "SyvainDeliveryWarning" });

export class LossWarnings {
  readonly #handler: WarningHandler;
  /** Per slug, when its current burst's warning was given (ms since epoch). */
  readonly #lastWarned = new Map<string, number>();

  constructor(onWarning: WarningHandler | undefined) {
    this.#handler = onWarning ?? emitProcessWarning;
  }

  /** Data for `slug` was given up: warn, unless this burst already did. Always on `diag` too. */
  lost(slug: string, message: string): void {
    exporterDiag.warn(message);
    const now = Date.now();
    const last = this.#lastWarned.get(slug);
    if (last !== undefined && now - last < BURST_SECONDS * 1000) return;
    this.#lastWarned.set(slug, now);
    try {
      this.#handler(message);
    } catch {
      // A throwing handler must not fail the export that lost the data (diag has the line).
    }
  }

  /** Syvain (or the sink) accepted a batch for `slug`: the next loss starts a new burst. */
  delivered(slug: string): void {
    this.#lastWarned.delete(slug);
  }
}
