/**
 * This process's own segments: creating and rotating them, recording where each appended record
 * landed (its sequence number maps to a byte range), and finding that range again for an ack.
 */
import { AckLog } from "./ack-log.ts";
import { removeSourceDir } from "./backlog-reader.ts";
import type { CommittedChunk } from "./chunk-encoder.ts";
import { SegmentState, type SegmentSource } from "./segment-state.ts";
import { SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import { ioError } from "./spool-errors.ts";
import type { SpoolFs } from "./spool-fs.ts";
import type { Durability } from "./durability.ts";
import { OwnRecords } from "./own-reader.ts";

export type { OwnRecords } from "./own-reader.ts";
import { createSegment } from "./writer-setup.ts";

export class LiveSegments {
  readonly source: SegmentSource;
  /** Not yet deleted, oldest first; the last one is `current` while the spool writes. */
  #segments: SegmentState[] = [];
  current: SegmentState | undefined;
  #nextId = 1;
  readonly #fs: SpoolFs;
  readonly #writerId: number;

  constructor(fsi: SpoolFs, dir: string, writerId: number) {
    this.#fs = fsi;
    this.#writerId = writerId;
    this.source = { dir, acks: new AckLog(fsi, dir), remaining: 0, fullyRead: false, keep: false };
  }

  /** Creates the next segment and makes it current; returns the bytes it added. */
  async open(nowMs: number): Promise<number> {
    const id = this.#nextId++;
    const created = await createSegment(this.#fs, this.source.dir, id, this.#writerId, nowMs);
    const seg = new SegmentState(this.source, id, created.path, SEGMENT_HEADER_BYTES);
    seg.fd = created.fd;
    this.#segments.push(seg);
    this.source.remaining++;
    this.current = seg;
    return SEGMENT_HEADER_BYTES;
  }

  /** Records that `chunk` (records `firstSeq`...) is now in the current segment's file. */
  commit(chunk: CommittedChunk, firstSeq: number): void {
    const seg = this.current!;
    const ends = chunk.ends;
    for (let i = 0; i < ends.length; i++) seg.offsets.push(firstSeq + i, ends[i]!);
    seg.size += chunk.length;
    seg.outstanding += chunk.records;
  }

  /** Seals `old` after the next segment exists: fdatasync (so rotation is a durability point) and close. */
  async seal(old: SegmentState): Promise<void> {
    if (old.fd !== undefined) {
      try {
        await this.#fs.fdatasync(old.fd);
      } catch (error) {
        throw ioError("fdatasync", old.path, error);
      }
      await closeSegment(this.#fs, old);
    }
    old.sealed = true;
  }

  /** The segment holding record `seq`; undefined if it was never written (lost) or its segment is deleted. */
  segmentOf(seq: number): SegmentState | undefined {
    for (let i = this.#segments.length - 1; i >= 0; i--) if (this.#segments[i]!.offsets.contains(seq)) return this.#segments[i];
    return undefined;
  }

  /**
   * The byte range of record `seq`, or undefined if it was never written (lost), is deleted, or
   * left its owner's memory and was not read back (`release`; an ack never asks for one of those).
   */
  locate(seq: number): { seg: SegmentState; start: number; end: number } | undefined {
    const seg = this.segmentOf(seq);
    const range = seg?.offsets.range(seq);
    return range === undefined ? undefined : { seg: seg!, start: range.start, end: range.end };
  }

  /**
   * The byte range of records `seq .. last`, where `last` is `to` or the last record of `seq`'s
   * segment, whichever comes first; undefined if `seq` was never written (lost) or is deleted.
   */
  locateRun(seq: number, to: number): { seg: SegmentState; start: number; end: number; last: number; records: number } | undefined {
    const first = this.locate(seq);
    if (first === undefined) return undefined;
    const seg = first.seg;
    const last = Math.min(to, seg.offsets.lastSeq);
    const end = seg.offsets.range(last)?.end;
    // A forgotten record inside the run (not expected: see `locate`): this one alone, the rest on their own.
    if (end === undefined) return { ...first, last: seq, records: first.end > first.start ? 1 : 0 };
    return { seg, start: first.start, end, last, records: seg.offsets.withBytes(seq, last) };
  }

  /** Records `from .. from + n - 1` left the owner's memory: their segments may forget their offsets. */
  release(from: number, n: number): void {
    this.#eachSegmentFrom(from, (offsets) => offsets.release(from, n));
  }

  /** Records `from .. from + n - 1` were acknowledged: their segments may forget their offsets. */
  settle(from: number, n: number): void {
    this.#eachSegmentFrom(from, (offsets) => offsets.settle(from, n));
  }

  /** Newest first (an ack is mostly for recent records); segments hold ascending seqs, so it stops at the first one wholly before `from`. */
  #eachSegmentFrom(from: number, visit: (offsets: SegmentState["offsets"]) => void): void {
    for (let i = this.#segments.length - 1; i >= 0; i--) {
      const offsets = this.#segments[i]!.offsets;
      if (offsets.count === 0) continue;
      if (offsets.lastSeq < from) break;
      visit(offsets);
    }
  }

  /** Per-record offsets held, all segments (see `RecordOffsets.slots`). */
  get offsetSlots(): number {
    let slots = 0;
    for (const seg of this.#segments) slots += seg.offsets.slots;
    return slots;
  }

  /** These records as the spool's owner reads them back (`spool.own`), at the flusher's current position. */
  own(writtenSeq: number, nextSeq: number, fallback: boolean, durability: Durability): OwnRecords {
    return new OwnRecords(this.#fs, this, writtenSeq, nextSeq, fallback, durability);
  }

  forget(seg: SegmentState): void {
    this.#segments = this.#segments.filter((s) => s !== seg);
  }

  /** Flat `[segmentId, start, end, ...]` of every acknowledged range, for compacting the acks file. */
  ackEntries(): number[] {
    const entries: number[] = [];
    for (const seg of this.#segments) {
      const r = seg.acked.ranges();
      for (let i = 0; i < r.length; i += 2) entries.push(seg.id, r[i]!, r[i + 1]!);
    }
    return entries;
  }

  /** Clean shutdown with nothing outstanding: remove every file and the directory. */
  async removeAll(): Promise<void> {
    for (const seg of this.#segments) await this.#fs.unlink(seg.path).catch(() => undefined);
    this.#segments = [];
    await removeSourceDir(this.#fs, this.source);
  }
}

export async function closeSegment(fsi: SpoolFs, seg: SegmentState | undefined): Promise<void> {
  const fd = seg?.fd;
  if (seg === undefined || fd === undefined) return;
  seg.fd = undefined;
  await fsi.close(fd).catch(() => undefined);
}

/**
 * A segment given up after a failed write (EFBIG, ENOSPC, EIO): part of the failed chunk may be in
 * the file. Its records were reported not spooled (the caller keeps them in memory and delivers
 * them from there), so they must not also be found on disk by a later process: replayed, an old
 * `running` status of a run that then finished would get that run marked failed. Cut back to the
 * committed size (shrinking works on a full disk), then closed.
 */
export async function abandonSegment(fsi: SpoolFs, seg: SegmentState): Promise<void> {
  if (seg.fd !== undefined) await fsi.ftruncate(seg.fd, seg.size).catch(() => undefined);
  await closeSegment(fsi, seg);
}
