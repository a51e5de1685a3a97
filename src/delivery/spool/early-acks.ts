/**
 * Acks that arrive before the flusher wrote their records: the outbox may deliver a batch within
 * milliseconds, while the spool writes every ~100 ms. Kept as runs of consecutive seqs (a batch is
 * usually one run), not one entry per record, and applied once the records have a place on disk.
 */
export class EarlyAcks {
  /** Flat `[from, to, ...]`, in arrival order. */
  #runs: number[] = [];

  get size(): number {
    return this.#runs.length / 2;
  }

  add(seq: number): void {
    const runs = this.#runs;
    const n = runs.length;
    if (n && runs[n - 1] === seq - 1) runs[n - 1] = seq;
    else runs.push(seq, seq);
  }

  /** Passes on (and forgets) every part of a run at or below `written`. */
  takeUpTo(written: number, ack: (from: number, to: number) => void): void {
    const keep: number[] = [];
    const runs = this.#runs;
    for (let i = 0; i < runs.length; i += 2) {
      const from = runs[i]!;
      const to = runs[i + 1]!;
      if (from > written) keep.push(from, to);
      else {
        ack(from, Math.min(to, written));
        if (to > written) keep.push(written + 1, to);
      }
    }
    this.#runs = keep;
  }

  clear(): void {
    this.#runs = [];
  }
}
