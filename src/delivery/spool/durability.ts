/**
 * Which appended records are durable (written and fdatasync'd), and the promises waiting on that.
 * Records are numbered by a sequence (`append()`'s return value), so "durable up to N" is one
 * number. Sequences accepted but lost to a failed write are kept as ranges, so waiting on one
 * rejects even after a later retry makes newer records durable.
 */
import type { SpoolError } from "./spool-errors.ts";

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: SpoolError) => void;
}

export class Durability {
  durableSeq = 0;
  #waiters: Waiter[] = [];
  /** Flat `[from, to)` ranges. */
  readonly #lost: number[] = [];

  wait(seq: number): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#waiters.push({ seq, resolve, reject }));
  }

  markDurable(upTo: number): void {
    if (upTo <= this.durableSeq) return;
    this.durableSeq = upTo;
    const waiting: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.seq <= upTo) waiter.resolve();
      else waiting.push(waiter);
    }
    this.#waiters = waiting;
  }

  /** Everything in `[from, to)` will never be durable; waiters are rejected with `error`. */
  markLost(from: number, to: number, error: SpoolError): void {
    if (from < to) this.#lost.push(from, to);
    this.rejectAll(error);
  }

  isLost(seq: number): boolean {
    for (let i = 0; i < this.#lost.length; i += 2) if (seq >= this.#lost[i]! && seq < this.#lost[i + 1]!) return true;
    return false;
  }

  rejectAll(error: SpoolError): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}
