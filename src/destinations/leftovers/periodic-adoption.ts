/**
 * The background delivery of dead processes' leftovers, repeated while the owner runs: one round
 * (adopt the writer directories of processes that died since, deliver what they left) runs at
 * once, then again `intervalMs` after each round ends. So what a process that dies while this one
 * runs left behind is delivered within about one interval, not at the next start.
 *
 * - One round at a time, by construction: the next one is scheduled only when a round ends.
 * - The timer is unref'd: re-adoption never keeps a process alive.
 * - `stop()` ends the schedule, lets the round in progress finish within a grace period, then
 *   aborts it (what it did not deliver stays on disk, acknowledged ranges and all).
 * - Live writers are never adopted: the spool engine's `adoptOrphans()` takes only directories
 *   whose owner is provably gone (`delivery/spool/process-identity.ts`).
 */

/** Timing of the rounds. A mutable object so a test can shorten the interval before it builds an owner. */
export const adoptionSchedule = {
  /** Between the end of one round and the start of the next (issue 11: every 60 s). */
  intervalMs: 60_000,
};

/** One round: adopt, deliver; `signal` aborts it. Should not reject (a rejection goes to `onError`). */
export type AdoptionRound = (signal: AbortSignal) => Promise<void>;

export interface PeriodicAdoptionOptions {
  round: AdoptionRound;
  /** @default adoptionSchedule.intervalMs at construction */
  intervalMs?: number;
  /** A round that rejected (a bug: rounds report their own failures); the schedule goes on. */
  onError: (error: unknown) => void;
}

export class PeriodicAdoption {
  readonly #round: AdoptionRound;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<void> | undefined;
  #stopped = false;
  #rounds = 0;

  constructor(options: PeriodicAdoptionOptions) {
    this.#round = options.round;
    this.#intervalMs = options.intervalMs ?? adoptionSchedule.intervalMs;
    this.#onError = options.onError;
  }

  /** Between the end of one round and the start of the next. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** Rounds started so far. */
  get rounds(): number {
    return this.#rounds;
  }

  /** Settles once no round runs: now between rounds, else when the current one ends. */
  idle(): Promise<void> {
    return this.#current ?? Promise.resolve();
  }

  /** Starts the first round now (once; later calls do nothing). */
  start(): void {
    if (this.#rounds === 0 && this.#timer === undefined) this.#runRound();
  }

  /**
   * Ends the schedule; a round in progress may finish for `graceMs` (`undefined`: no bound), then is
   * aborted with `reason`. Resolves once no round runs.
   */
  async stop(graceMs: number | undefined, reason: Error): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const current = this.#current;
    if (current === undefined) return;
    if (graceMs !== undefined && graceMs <= 0) this.#abort.abort(reason);
    const timer = graceMs === undefined || graceMs <= 0 ? undefined : setTimeout(() => this.#abort.abort(reason), graceMs);
    await current;
    clearTimeout(timer);
  }

  #runRound(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    this.#rounds++;
    // An async wrapper, so a round that throws synchronously rejects like any other.
    const round = (async () => this.#round(this.#abort.signal))();
    this.#current = round.catch(this.#onError).then(() => {
      this.#current = undefined;
      if (!this.#stopped) this.#timer = setTimeout(() => this.#runRound(), this.#intervalMs).unref();
    });
  }
}
