/**
 * Acknowledging many records at once: a delivered batch is usually one run of consecutive seqs,
 * which lies in one segment (or two, across a rotation) as one contiguous byte range. Acking the
 * range once, instead of each record, keeps the ack path cheap when batches are large.
 */
import type { BacklogRef, SegmentState } from "./segment-state.ts";

/** What `Spool.ack()` takes (spool.ts's `RecordRef`, spelled out here so the two files do not import each other). */
type RecordRef = number | BacklogRef;

export interface RunAcker {
  /** The byte range of records `seq .. last` (see `LiveSegments.locateRun`). */
  locateRun(seq: number, to: number): { seg: SegmentState; start: number; end: number; last: number; records: number } | undefined;
  ackOne(ref: RecordRef): void;
  /** `records` records spanning `[start, end)` of `seg`, none of them acknowledged yet. */
  ackRange(seg: SegmentState, start: number, end: number, records: number): void;
  /** Records `seq .. seq + n - 1` are acknowledged: where they lie is not needed again (`RecordOffsets.settle`). */
  settle(seq: number, n: number): void;
}

/** Splits `refs` into runs of consecutive written seqs (`run`) and the rest (`one`: backlog refs, unwritten seqs). */
export function forEachRun(refs: readonly RecordRef[], writtenSeq: number, run: (from: number, to: number) => void, one: (ref: RecordRef) => void): void {
  let from = 0;
  let to = -1;
  for (const ref of refs) {
    if (typeof ref !== "number" || ref > writtenSeq) {
      one(ref);
      continue;
    }
    if (to >= from && ref === to + 1) to = ref;
    else {
      if (to >= from) run(from, to);
      from = to = ref;
    }
  }
  if (to >= from) run(from, to);
}

/** Acks the written seqs `from .. to`, range by range; a range partly acknowledged already goes record by record (each counts once). */
export function ackRun(from: number, to: number, acker: RunAcker): void {
  for (let seq = from; seq <= to; ) {
    const run = acker.locateRun(seq, to);
    if (run === undefined) {
      seq++; // lost (never written) or its segment is gone
      continue;
    }
    const { seg, start, end, last, records } = run;
    // `records` < the run's seqs: some were delivered before they were written (no bytes, nothing to ack).
    if (records === 0) {
      seq = last + 1;
      continue;
    }
    if (seg.acked.overlaps(start, end)) for (let one = seq; one <= last; one++) acker.ackOne(one);
    else if (!seg.deleted) acker.ackRange(seg, start, end, records);
    seq = last + 1;
  }
  acker.settle(from, to - from + 1);
}
