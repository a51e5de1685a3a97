/**
 * Flush rounds: one round attempts every request that was pending when the flush started, once,
 * ignoring background backoff but never before a server `Retry-After`, and ends when nothing of
 * it is left to send or wait for, or at the deadline. The outbox says what is left (`work`); this
 * class owns the round's timers. They are ref'd on purpose: someone awaits a flush, and the
 * process must not exit under them (background timers, in the outbox, are unref'd).
 */
export interface FlushRound {
  id: number;
  /** Per kind, the first index that is *not* part of this flush (items enqueued after it began). */
  targets: { metric: number; annotation: number; status: number };
  /** Epoch ms; `Infinity` without a timeout. */
  deadline: number;
  /** Retryable failures of this round's own attempts. */
  failures: number;
}

export interface RoundWork {
  busy: boolean;
  /** Earliest `Retry-After` deadline among requests the round still has to send. */
  wakeAt: number;
}

interface ActiveRound {
  round: FlushRound;
  resolve: (failures: number) => void;
  deadlineTimer: NodeJS.Timeout | undefined;
  wakeTimer: NodeJS.Timeout | undefined;
  wakeAt: number;
}

export class FlushRounds {
  readonly #pump: () => void;
  readonly #work: (round: FlushRound) => RoundWork;
  #active: ActiveRound | undefined;
  readonly #sleepers = new Set<() => void>();
  #ids = 0;

  constructor(pump: () => void, work: (round: FlushRound) => RoundWork) {
    this.#pump = pump;
    this.#work = work;
  }

  get current(): FlushRound | undefined {
    return this.#active?.round;
  }

  /** Runs one round; resolves with its retryable failure count. */
  run(targets: FlushRound["targets"], deadline: number): Promise<number> {
    return new Promise((resolve) => {
      const round: FlushRound = { id: ++this.#ids, targets, deadline, failures: 0 };
      const active: ActiveRound = { round, resolve, deadlineTimer: undefined, wakeTimer: undefined, wakeAt: Infinity };
      this.#active = active;
      if (deadline !== Infinity) {
        active.deadlineTimer = setTimeout(() => this.#end(active), Math.max(0, deadline - Date.now()));
      }
      this.#pump();
    });
  }

  /** Called after every pump: ends the round when nothing is left, else waits for `Retry-After`. */
  check(now: number): void {
    const active = this.#active;
    if (active === undefined) return;
    const { busy, wakeAt } = this.#work(active.round);
    if (!busy) return this.#end(active);
    if (wakeAt <= now || wakeAt === Infinity || wakeAt === active.wakeAt) return;
    clearTimeout(active.wakeTimer);
    active.wakeAt = wakeAt;
    active.wakeTimer = setTimeout(() => {
      active.wakeTimer = undefined;
      active.wakeAt = Infinity;
      this.#pump();
    }, wakeAt - now);
  }

  countFailure(roundId: number): void {
    if (this.#active?.round.id === roundId) this.#active.round.failures++;
  }

  /** Ends the current round and any wait between rounds (on close), so no flush waits on a stopped outbox. */
  abort(): void {
    if (this.#active) this.#end(this.#active);
    for (const wake of this.#sleepers) wake();
  }

  /** The wait between two rounds of a flush; `abort()` cuts it short (its timer is ref'd). */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  #end(active: ActiveRound): void {
    if (this.#active !== active) return;
    clearTimeout(active.deadlineTimer);
    clearTimeout(active.wakeTimer);
    this.#active = undefined;
    active.resolve(active.round.failures);
  }
}
