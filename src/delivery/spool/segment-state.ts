/**
 * In-memory state of one segment file, live or adopted: how much of it is valid, which of its
 * records are acknowledged, and how many are still outstanding. A sealed segment with nothing
 * outstanding is deleted (whole-file unlink: freeing space never needs space).
 */
import type { AckLog } from "./ack-log.ts";
import { RangeSet } from "./range-set.ts";
import { RecordOffsets } from "./record-offsets.ts";
import { SEGMENT_HEADER_BYTES } from "./segment-header.ts";

/** The records of one writer directory (this process's own, or an adopted orphan's). */
export interface SegmentSource {
  /** Directory holding the segments and the acks file. */
  readonly dir: string;
  readonly acks: AckLog;
  /** Segments not yet deleted. */
  remaining: number;
  /** Adopted sources: every segment was read, so the dir can go once `remaining` is 0. */
  fullyRead: boolean;
  /** Files left in place (unsupported version): the directory must stay. */
  keep: boolean;
}

export class SegmentState {
  /** Bytes known valid (header included). */
  size: number;
  sealed = false;
  deleted = false;
  /** Records written/read and not yet acknowledged. */
  outstanding = 0;
  readonly acked: RangeSet;
  /** Live segments only: where each record (by seq) lies. */
  readonly offsets = new RecordOffsets(SEGMENT_HEADER_BYTES);
  /** Live segments only: the open file descriptor. */
  fd: number | undefined;

  readonly source: SegmentSource;
  readonly id: number;
  readonly path: string;

  constructor(source: SegmentSource, id: number, path: string, size: number, acked = new RangeSet()) {
    this.source = source;
    this.id = id;
    this.path = path;
    this.size = size;
    this.acked = acked;
  }

  /** Marks `[start, end)` acknowledged; false if it already was (a repeated ack changes nothing). */
  markAcked(start: number, end: number): boolean {
    if (end <= start || this.acked.covers(start, end)) return false;
    this.acked.add(start, end);
    this.outstanding--;
    this.source.acks.add(this.id, start, end);
    return true;
  }

  /** Marks `records` consecutive records spanning `[start, end)` acknowledged; none of them may be acked yet (`acked.overlaps`). */
  markAckedRun(start: number, end: number, records: number): void {
    this.acked.add(start, end);
    this.outstanding -= records;
    this.source.acks.add(this.id, start, end);
  }

  get deletable(): boolean {
    return this.sealed && this.outstanding === 0 && !this.deleted;
  }
}

/** A reference to a record read back from disk; pass it to `Spool.ack()`. */
export class BacklogRef {
  readonly segment: SegmentState;
  readonly start: number;
  readonly end: number;

  constructor(segment: SegmentState, start: number, end: number) {
    this.segment = segment;
    this.start = start;
    this.end = end;
  }
}
