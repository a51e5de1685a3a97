/**
 * Trying the disk again once a failure put the spool in memory fallback: due `retryMs` after the
 * failure (or after the last try that failed), one try at a time. The segment the failure gave up
 * is cut back and closed meanwhile (`cutBack`); a try that needs its room waits for that, because
 * a deleted file's room comes back only at its last close.
 */
import { abandonSegment } from "./live-segments.ts";
import type { SegmentState } from "./segment-state.ts";
import type { SpoolFs } from "./spool-fs.ts";

export class DiskRetry {
  readonly #fs: SpoolFs;
  readonly #retryMs: number;
  readonly #now: () => number;
  #dueAt = 0;
  #trying: Promise<void> | undefined;
  /** The segment the last failure gave up, being cut back to its committed records and closed. */
  cutBack: Promise<void> = Promise.resolve();

  constructor(options: { fs: SpoolFs; retryMs: number; now: () => number }) {
    this.#fs = options.fs;
    this.#retryMs = options.retryMs;
    this.#now = options.now;
  }

  /** A write failed: `segment` (the one written, if any) is given up, and the disk is tried again in `retryMs`. */
  failed(segment: SegmentState | undefined): void {
    this.#dueAt = this.#now() + this.#retryMs;
    if (segment) this.cutBack = abandonSegment(this.#fs, segment);
  }

  /** No try in progress, and `retryMs` passed since the last failure. */
  get due(): boolean {
    return this.#trying === undefined && this.#now() >= this.#dueAt;
  }

  /** Runs one try; if it fails (rejects), the next one is due `retryMs` later. */
  run(attempt: () => Promise<void>): Promise<void> {
    const trying = attempt()
      .catch((error: unknown) => {
        this.#dueAt = this.#now() + this.#retryMs;
        throw error;
      })
      .finally(() => {
        this.#trying = undefined;
      });
    this.#trying = trying.catch(() => undefined);
    return trying;
  }

  /** Settles once no try is in progress. */
  idle(): Promise<void> {
    return this.#trying ?? Promise.resolve();
  }
}
