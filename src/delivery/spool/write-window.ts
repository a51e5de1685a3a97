/**
 * Which appended records the flusher may write now, and the clock that opens the window. While
 * there is something to write the clock ticks `TICKS_PER_INTERVAL` times per flush interval, and
 * each tick notes the newest record and the time: every record up to it was appended by then. A
 * note opens once it is 3/4 of the interval old, so a record waits between 3/4 of the interval and
 * all of it. Long enough that an event its owner delivers within that time is acknowledged before
 * the flusher reaches it, and then never written at all (the server has it; see `skipAckedTypes`);
 * never longer than the interval the durability promise names. A late tick (the event loop was
 * busy) opens everything: records appended since the tick before may be that old already, and a
 * busy loop must not delay writes further. Anyone who needs the bytes on disk sooner opens the
 * window at once: `whenDurable()`, `close()`, the pending cap.
 */
export const TICKS_PER_INTERVAL = 4;

export class WriteWindow {
  /** Records up to this seq may be written now. */
  upTo = 0;
  /** Flat `[seq, at, ...]`, oldest first: records up to `seq` were appended by time `at`. */
  #notes: number[] = [];
  readonly #minWaitMs: number;
  readonly #periodMs: number;
  readonly #lastSeq: () => number;
  readonly #onTick: () => boolean;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  /** When the running timer was set: a tick this much later than its period was held up. */
  #armedAt = 0;

  /**
   * `lastSeq`: the newest record appended. `onTick`: runs the flusher after each tick; false stops
   * the clock (the spool closed or failed). A flush interval of 0 opens everything at every tick.
   */
  constructor(flushIntervalMs: number, lastSeq: () => number, onTick: () => boolean, now: () => number) {
    this.#minWaitMs = (flushIntervalMs * (TICKS_PER_INTERVAL - 1)) / TICKS_PER_INTERVAL;
    this.#periodMs = flushIntervalMs / TICKS_PER_INTERVAL;
    this.#lastSeq = lastSeq;
    this.#onTick = onTick;
    this.#now = now;
  }

  /** Starts the clock unless it runs: there is something to write (a record, an ack). */
  arm(): void {
    if (this.#timer !== undefined) return;
    this.#armedAt = this.#now();
    this.#timer = setTimeout(() => this.#fire(), this.#periodMs).unref();
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
    const now = this.#now();
    const lastSeq = this.#lastSeq();
    if (now - this.#armedAt >= this.#minWaitMs) this.open(lastSeq);
    const notes = this.#notes;
    let opened = 0;
    while (opened < notes.length && now - notes[opened + 1]! >= this.#minWaitMs) opened += 2;
    if (opened > 0) this.open(notes[opened - 2]!);
    this.#notes = notes.slice(opened);
    if (lastSeq > this.upTo) this.#notes.push(lastSeq, now);
    // Records not opened yet: a later tick opens them.
    if (this.#onTick() && lastSeq > this.upTo) this.arm();
  }
}
