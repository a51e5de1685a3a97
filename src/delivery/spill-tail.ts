/**
 * The newest events of one kind while the outbox spills: they have their enqueue index and age
 * (`seq`) but wait here, after everything in the memory queue, until delivery makes room. Most of
 * them exist only in the spool (spilled); the rest are still kept in memory: records the spool's
 * flusher has not written yet (a failed write would lose them) and events the spool refused.
 *
 * Stored as runs of consecutive refs and seqs, so a long outage costs a few numbers per 4096
 * spilled events rather than a number per event (interleaved kinds break runs: one per event).
 */
import type { SpillWhere } from "./journal/outbox-journal.ts";

const RUN_MAX = 4096;
const RELEASE_MIN = 256;

interface Run<T> {
  /** Spool ref of the first event (refs are consecutive); `-1`: the spool refused them, memory only. */
  ref0: number;
  seq0: number;
  n: number;
  /** Taken from the front already. */
  taken: number;
  /** Kept in memory; `undefined` once every event of the run is known to be on disk. */
  events: T[] | undefined;
}

/** The front of the tail: events in hand, or refs to read back from the spool; seqs follow `seq0`. */
export type TailTake<T> = { seq0: number; events: T[]; spooled: boolean; refs?: undefined } | { seq0: number; refs: number[]; events?: undefined };

export class SpillTail<T> {
  #runs: Run<T>[] = [];
  #head = 0;
  /** Runs before it are settled: on disk only, or memory only. */
  #cursor = 0;
  #length = 0;
  #onDiskOnly = 0;
  /** Entries with a spool record (on disk, or queued for the spool's flusher). */
  #spooled = 0;
  #spilled = 0;

  get length(): number {
    return this.#length;
  }

  /** Events of the tail that are not held in memory. */
  get onDiskOnly(): number {
    return this.#onDiskOnly;
  }

  /** Entries the spool holds (written, or about to be): they never count against the memory bound. */
  get spooled(): number {
    return this.#spooled;
  }

  /** Events that left memory for the spool (lifetime count). */
  get spilled(): number {
    return this.#spilled;
  }

  /** `ref`: the event's spool record, or `undefined` when the spool refused it (kept in memory). */
  push(event: T, seq: number, ref: number | undefined): void {
    const ref0 = ref ?? -1;
    const last = this.#runs.length > this.#head ? this.#runs[this.#runs.length - 1] : undefined;
    const fits =
      last?.events !== undefined &&
      last.n < RUN_MAX &&
      last.seq0 + last.n === seq &&
      (ref0 < 0 ? last.ref0 < 0 : last.ref0 >= 0 && last.ref0 + last.n === ref0) &&
      this.#runs.length - 1 >= this.#cursor;
    if (fits) {
      last.events!.push(event);
      last.n++;
    } else this.#runs.push({ ref0, seq0: seq, n: 1, taken: 0, events: [event] });
    this.#length++;
    if (ref0 >= 0) this.#spooled++;
  }

  /**
   * Lets go of the events the spool has written (they are read back when their turn comes). A run
   * with a record the spool lost to a failed write stays in memory as a whole: delivered from
   * there, it is acknowledged like any other (the copies that did reach the disk included).
   * `leftMemory` hears of each run that is on disk only now (the spool may forget where its records are).
   */
  release(whereIs: (ref: number) => SpillWhere, leftMemory: (ref0: number, n: number) => void = () => {}): void {
    for (; this.#cursor < this.#runs.length; this.#cursor++) {
      const run = this.#runs[this.#cursor]!;
      if (run.ref0 < 0 || run.events === undefined) continue;
      // The flusher writes in append order: once the last record is decided, all of the run is.
      if (whereIs(run.ref0 + run.n - 1) === "pending") return this.#releaseWrittenPrefix(whereIs, leftMemory);
      let lost = false;
      for (let i = run.taken; i < run.n && !lost; i++) lost = whereIs(run.ref0 + i) !== "disk";
      if (lost) {
        run.ref0 = -1;
        this.#spooled -= run.n - run.taken;
      } else {
        run.events = undefined;
        leftMemory(run.ref0 + run.taken, run.n - run.taken);
        this.#onDiskOnly += run.n - run.taken;
        this.#spilled += run.n - run.taken;
      }
    }
  }

  /**
   * The run still growing keeps its newest events until the flusher writes them; what it has
   * written already leaves memory now, as a run of its own, rather than when the whole run is
   * written (up to `RUN_MAX` events later): held that long, events outlive V8's young generation
   * and pile up as old garbage. At least `RELEASE_MIN` at a time, so runs stay long.
   */
  #releaseWrittenPrefix(whereIs: (ref: number) => SpillWhere, leftMemory: (ref0: number, n: number) => void): void {
    const run = this.#runs[this.#runs.length - 1]!;
    if (this.#cursor !== this.#runs.length - 1 || run.taken > 0 || run.ref0 < 0 || run.n <= RELEASE_MIN || whereIs(run.ref0 + RELEASE_MIN - 1) !== "disk") return;
    // Written records form a prefix: the first one still pending ends it.
    let lo = RELEASE_MIN;
    let hi = run.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (whereIs(run.ref0 + mid) === "pending") hi = mid;
      else lo = mid + 1;
    }
    for (let i = 0; i < lo; i++) if (whereIs(run.ref0 + i) !== "disk") return; // a failed write: settled as a whole later
    this.#runs[this.#runs.length - 1] = { ref0: run.ref0, seq0: run.seq0, n: lo, taken: 0, events: undefined };
    this.#runs.push({ ref0: run.ref0 + lo, seq0: run.seq0 + lo, n: run.n - lo, taken: 0, events: run.events!.slice(lo) });
    this.#cursor++;
    leftMemory(run.ref0, lo);
    this.#onDiskOnly += lo;
    this.#spilled += lo;
  }

  /**
   * Up to `max` of the oldest events; they stay in the tail until `commit`. Events in hand come from
   * one run. Events on disk only come from every following run that continues their refs and seqs:
   * runs are cut at `RUN_MAX` events and wherever the flusher had written part of one (often every
   * few hundred events), and a refill read only one of them at a time, so a drain read back a few
   * hundred events per read, one read at a time, and waited for each.
   */
  peek(max: number): TailTake<T> | undefined {
    const run = this.#runs[this.#head];
    if (run === undefined) return undefined;
    const from = run.taken;
    let n = Math.min(max, run.n - from);
    const seq0 = run.seq0 + from;
    if (run.events !== undefined) return { seq0, events: run.events.slice(from, from + n), spooled: run.ref0 >= 0 };
    const ref0 = run.ref0 + from;
    for (let i = this.#head + 1; n < max && i < this.#runs.length; i++) {
      const next = this.#runs[i]!;
      if (next.events !== undefined || next.ref0 !== ref0 + n || next.seq0 !== seq0 + n) break;
      n += Math.min(max - n, next.n);
    }
    return { seq0, refs: Array.from({ length: n }, (_, i) => ref0 + i) };
  }

  /** The `n` oldest events (what `peek` returned, or its first `n`) are in the memory queue now. */
  commit(n: number): void {
    while (n > 0) {
      const run = this.#runs[this.#head]!;
      const k = Math.min(n, run.n - run.taken);
      run.taken += k;
      this.#length -= k;
      if (run.events === undefined) this.#onDiskOnly -= k;
      if (run.ref0 >= 0) this.#spooled -= k;
      if (run.taken === run.n) this.#dropHead();
      n -= k;
    }
  }

  #dropHead(): void {
    this.#runs[this.#head++] = undefined as unknown as Run<T>;
    if (this.#cursor < this.#head) this.#cursor = this.#head;
    if (this.#head === this.#runs.length) {
      this.#runs = [];
      this.#head = this.#cursor = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#runs.length) {
      this.#runs = this.#runs.slice(this.#head);
      this.#cursor -= this.#head;
      this.#head = 0;
    }
  }
}
