/**
 * Which appended records the flusher may write now, and the clock that opens the window. The clock
 * ticks `TICKS_PER_INTERVAL` times per flush interval while there is something to write, and a
 * record may be written from the last tick of its interval on: it waits between 3/4 of the interval
 * and all of it. Long enough that an event its owner delivers within that time is acknowledged
 * before the flusher reaches it, and then never written at all (the server has it; see
 * `skipAckedTypes`); never longer than the interval the durability promise names. Anyone who needs
 * the bytes on disk sooner opens the window at once: `whenDurable()`, `close()`, the pending cap.
 */
export const TICKS_PER_INTERVAL = 4;

export class WriteWindow {
  /** Records up to this seq may be written now. */
  upTo = 0;
  /** The newest seq at each of the last ticks, oldest first: the first is opened at the next tick. */
  readonly #marks: number[] = new Array<number>(TICKS_PER_INTERVAL - 1).fill(0);
  readonly #periodMs: number;
  readonly #lastSeq: () => number;
  readonly #onTick: () => boolean;
  #timer: NodeJS.Timeout | undefined;

  /**
   * `lastSeq`: the newest record appended. `onTick`: runs the flusher after each tick; false stops
   * the clock (the spool closed or failed). A flush interval of 0 opens everything at every tick.
   */
  constructor(flushIntervalMs: number, lastSeq: () => number, onTick: () => boolean) {
    this.#periodMs = flushIntervalMs / TICKS_PER_INTERVAL;
    this.#lastSeq = lastSeq;
    this.#onTick = onTick;
  }

  /** Starts the clock unless it runs: there is something to write (a record, an ack). */
  arm(): void {
    this.#timer ??= setTimeout(() => this.#fire(), this.#periodMs).unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  open(seq: number): void {
    if (seq > this.upTo) this.upTo = seq;
  }

  #fire(): void {
    this.#timer = undefined;
    const lastSeq = this.#lastSeq();
    this.open(this.#periodMs > 0 ? this.#marks.shift()! : lastSeq);
    this.#marks.push(lastSeq);
    // Records appended since the window last opened: a later tick opens them.
    if (this.#onTick() && lastSeq > this.upTo) this.arm();
  }
}
