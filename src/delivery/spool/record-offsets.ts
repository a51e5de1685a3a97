/**
 * Where each record of one live segment lies, by sequence number, at a cost that does not grow with
 * the records its owner no longer holds in memory.
 *
 * Records are grouped by 1,024 consecutive seqs. A group always keeps its byte range (start, end,
 * count): a few numbers per 1,024 records. Each record's end offset (4 bytes) is kept only while
 * the owner may ask for it without reading first: to acknowledge an event it holds in memory. A
 * record is "away" once the owner will not: it left its memory (`release`: a spilled outbox event,
 * now on disk only), or it is done: acknowledged (`settle`; a second ack of it changes nothing) or
 * without bytes (a seq the flusher skipped: delivered before it was written, or a payload it could
 * not encode). A group whose records are all away forgets their offsets; reading one back walks
 * the group's bytes by their length headers, with the group's bitmap of seqs that have no bytes,
 * and learns them again (`relearn`). So a long outage costs memory per group, not per event, also
 * when other runs of the process deliver from memory meanwhile. A group being read back (a drain)
 * is forgotten only once all its records are done: forgetting it between reads would read the
 * group again for every refill, and could drop offsets a read in flight is about to use.
 */
import { RECORD_HEADER_BYTES } from "./record-format.ts";

/** Records per group: a relearn reads one group (~100 KB of events). */
export const OFFSET_GROUP_RECORDS = 1024;
/** Flag on a stored end offset: that record left its owner's memory (segments stay below 2 GiB). */
const AWAY = 0x8000_0000;

interface Group {
  /** Byte offset of the first record, and end of the last one committed. */
  start: number;
  end: number;
  count: number;
  /** Each record's end offset (`| AWAY` once released); `undefined`: forgotten, every record is away. */
  ends: Uint32Array | undefined;
  /** Records away (see above). */
  away: number;
  /** Records done (acknowledged, or without bytes): never asked for again. */
  done: number;
  /** A record of it was read back since it was last forgotten: the owner is draining it. */
  reading: boolean;
  /** Bit i set: record i has no bytes (a skipped seq); undefined while the group has none. */
  gaps: Uint32Array | undefined;
}

export class RecordOffsets {
  /** Seq of the first record (set by the first `push`). */
  firstSeq = 0;
  count = 0;
  #groups: Group[] = [];
  #end: number;

  /** `start`: where the first record goes (after the segment header). */
  constructor(start: number) {
    this.#end = start;
  }

  /** Records the next record's end offset (`end` equal to the previous one: a skipped record). */
  push(seq: number, end: number): void {
    if (this.count === 0) this.firstSeq = seq;
    const index = this.count % OFFSET_GROUP_RECORDS;
    let group = this.#groups[this.#groups.length - 1];
    if (index === 0) {
      group = { start: this.#end, end: this.#end, count: 0, ends: new Uint32Array(OFFSET_GROUP_RECORDS), away: 0, done: 0, reading: false, gaps: undefined };
      this.#groups.push(group);
    }
    const g = group!;
    if (end === this.#end) {
      // No bytes: the owner never reads or acks it from here, and a walk over the bytes needs the bit.
      (g.gaps ??= new Uint32Array(OFFSET_GROUP_RECORDS / 32))[index >>> 5]! |= 1 << (index & 31);
      g.ends![index] = end | AWAY;
      g.away++;
      g.done++;
      forgetIfAway(g);
    } else g.ends![index] = end;
    g.end = this.#end = end;
    g.count++;
    this.count++;
  }

  contains(seq: number): boolean {
    return seq >= this.firstSeq && seq < this.firstSeq + this.count;
  }

  get lastSeq(): number {
    return this.firstSeq + this.count - 1;
  }

  /** The byte range of record `seq`; `undefined` if it is not here or its group forgot it (`relearn` first). */
  range(seq: number): { start: number; end: number } | undefined {
    const end = this.endOf(seq);
    return end < 0 ? undefined : { start: this.startOf(seq), end };
  }

  /** `range(seq).start` without an object per call (reading back thousands of records): -1 where `range` is `undefined`. */
  startOf(seq: number): number {
    if (!this.contains(seq)) return -1;
    const at = seq - this.firstSeq;
    const group = this.#groups[Math.floor(at / OFFSET_GROUP_RECORDS)]!;
    if (group.ends === undefined) return -1;
    const index = at % OFFSET_GROUP_RECORDS;
    return index === 0 ? group.start : endOf(group.ends, index - 1);
  }

  /** `range(seq).end`, likewise: -1 where `range` is `undefined`. */
  endOf(seq: number): number {
    if (!this.contains(seq)) return -1;
    const at = seq - this.firstSeq;
    const ends = this.#groups[Math.floor(at / OFFSET_GROUP_RECORDS)]!.ends;
    return ends === undefined ? -1 : endOf(ends, at % OFFSET_GROUP_RECORDS);
  }

  /** How many of records `from .. to` (all here) have bytes: a skipped record (a gap) has none. Only groups holding a gap are looked at. */
  withBytes(from: number, to: number): number {
    let n = to - from + 1;
    for (let seq = from; seq <= to; ) {
      const at = seq - this.firstSeq;
      const gaps = this.#groups[Math.floor(at / OFFSET_GROUP_RECORDS)]!.gaps;
      const first = at % OFFSET_GROUP_RECORDS;
      const last = Math.min(first + to - seq, OFFSET_GROUP_RECORDS - 1);
      if (gaps !== undefined) for (let i = first; i <= last; i++) if (isGap(gaps, i)) n--;
      seq += last - first + 1;
    }
    return n;
  }

  /** Records `from .. from + n - 1` left the owner's memory; their groups may forget their offsets. */
  release(from: number, n: number): void {
    this.#markAway(from, n, false);
  }

  /** Records `from .. from + n - 1` were acknowledged; their groups may forget their offsets. */
  settle(from: number, n: number): void {
    this.#markAway(from, n, true);
  }

  #markAway(from: number, n: number, done: boolean): void {
    const lo = Math.max(from, this.firstSeq);
    const hi = Math.min(from + n - 1, this.lastSeq);
    for (let seq = lo; seq <= hi; seq++) {
      const at = seq - this.firstSeq;
      const group = this.#groups[Math.floor(at / OFFSET_GROUP_RECORDS)]!;
      const ends = group.ends;
      const index = at % OFFSET_GROUP_RECORDS;
      // Away already: acknowledged before, or released and not read back (never acknowledged as such).
      if (ends === undefined || ends[index]! & AWAY) continue;
      ends[index] = ends[index]! | AWAY;
      group.away++;
      if (done) group.done++;
      forgetIfAway(group);
    }
  }

  /** Record `seq` was read back into the owner's memory: its offset is kept again (until its segment goes). */
  readBack(seq: number): void {
    if (!this.contains(seq)) return;
    const at = seq - this.firstSeq;
    const group = this.#groups[Math.floor(at / OFFSET_GROUP_RECORDS)]!;
    const index = at % OFFSET_GROUP_RECORDS;
    if (group.ends === undefined || !(group.ends[index]! & AWAY) || (group.gaps !== undefined && isGap(group.gaps, index))) return;
    group.ends[index] = group.ends[index]! & ~AWAY;
    group.away--;
    group.reading = true;
  }

  /** Records of `group` are about to be read back: it keeps its offsets until all its records are done (see the top of this file). */
  pin(group: number): void {
    const g = this.#groups[group];
    if (g?.ends !== undefined) g.reading = true;
  }

  /** The index of the group holding `seq` (-1 if it is not here): no object, unlike `forgottenGroup`. */
  groupOf(seq: number): number {
    return this.contains(seq) ? Math.floor((seq - this.firstSeq) / OFFSET_GROUP_RECORDS) : -1;
  }

  /** The byte range of the forgotten group holding `seq`, for the caller to read and `relearn`; undefined if not forgotten. */
  forgottenGroup(seq: number): { group: number; start: number; end: number } | undefined {
    if (!this.contains(seq)) return undefined;
    const group = this.groupOf(seq);
    const g = this.#groups[group]!;
    return g.ends === undefined ? { group, start: g.start, end: g.end } : undefined;
  }

  /**
   * Learns a forgotten group's offsets again from its bytes (`buf` = the file from its start to its
   * end) by walking the length headers (a gap has none: it ends where the record before it did);
   * false if they do not add up to its records exactly. Only lengths are trusted here: each
   * record's checksum is checked when it is read.
   */
  relearn(group: number, buf: Uint8Array): boolean {
    const g = this.#groups[group];
    if (g?.ends !== undefined || g === undefined) return g !== undefined;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const ends = new Uint32Array(OFFSET_GROUP_RECORDS);
    let at = 0;
    for (let i = 0; i < g.count; i++) {
      if (g.gaps !== undefined && isGap(g.gaps, i)) {
        ends[i] = (g.start + at) | AWAY;
        continue;
      }
      if (at + RECORD_HEADER_BYTES > buf.length) return false;
      at += RECORD_HEADER_BYTES + view.getUint32(at, true);
      ends[i] = (g.start + at) | AWAY;
    }
    if (at !== g.end - g.start) return false;
    g.ends = ends;
    g.reading = true;
    return true;
  }

  /** Per-record slots held (4 bytes each): what stays bounded however many records left memory. */
  get slots(): number {
    let slots = 0;
    for (const group of this.#groups) if (group.ends !== undefined) slots += group.ends.length;
    return slots;
  }
}

/** Forgets `group`'s offsets once no one asks for them without reading first (see the top of this file). */
function forgetIfAway(group: Group): void {
  if (group.away !== OFFSET_GROUP_RECORDS || (group.reading && group.done !== OFFSET_GROUP_RECORDS)) return;
  group.ends = undefined;
  group.reading = false;
}

function isGap(gaps: Uint32Array, index: number): boolean {
  return (gaps[index >>> 5]! & (1 << (index & 31))) !== 0;
}

function endOf(ends: Uint32Array, index: number): number {
  return (ends[index]! & ~AWAY) >>> 0;
}
