/**
 * Reads back records this writer appended and wrote (a spilled event the outbox no longer keeps in
 * memory): the live segments map each record's sequence number to its byte range, so a run of
 * records in one segment is one positional read. The checksum is verified again: a record that
 * does not read back intact is `undefined` (or not handed over), never a throw. Offsets the
 * segments forgot (records `release`d: they left the owner's memory) are learnt again first, from
 * their group's bytes.
 *
 * `readEach` allocates nothing per record: the records of one read share its buffer, each given
 * as a byte range of it, and the whole read is copied into WebAssembly once for the checksums.
 * A drain after a long outage reads back tens of thousands of records a second; objects made per
 * record were most of what it allocated (docs/spool.md, "Spill").
 */
import type { Durability } from "./durability.ts";
import { loadForChecks, RECORD_HEADER_BYTES, recordIntact } from "./record-format.ts";
import type { SegmentState } from "./segment-state.ts";
import type { SpoolFs } from "./spool-fs.ts";

/** What maps this writer's sequence numbers to byte ranges (`LiveSegments`). */
export interface RecordLocator {
  segmentOf(ref: number): SegmentState | undefined;
  release(from: number, n: number): void;
  readonly offsetSlots: number;
}

/**
 * One read covers at most this many bytes; more records in the same segment start another read.
 * Each read is copied into WebAssembly's memory for its checksums, which keeps the size it grew to.
 */
const MAX_READ_BYTES = 1024 * 1024;

/** Records `refs[first .. last]`, one after another in one segment: one read of `[start, end)`, or `bytes` (those bytes, read already). */
interface Span {
  seg: SegmentState;
  first: number;
  last: number;
  start: number;
  end: number;
  bytes?: Buffer;
}

/** Called for each record that read back intact: its payload is `bytes[start, end)`, a buffer the records of one read share. */
export type OnOwnRecord = (index: number, bytes: Buffer, start: number, end: number) => void;

/** A view of the spool's own records at one moment (`spool.own`). */
export class OwnRecords {
  readonly #fs: SpoolFs;
  readonly #live: RecordLocator;
  readonly #writtenSeq: number;
  readonly #nextSeq: number;
  readonly #fallback: boolean;
  readonly #durability: Durability;

  constructor(fsi: SpoolFs, live: RecordLocator, writtenSeq: number, nextSeq: number, fallback: boolean, durability: Durability) {
    this.#fs = fsi;
    this.#live = live;
    this.#writtenSeq = writtenSeq;
    this.#nextSeq = nextSeq;
    this.#fallback = fallback;
    this.#durability = durability;
  }

  /** In a segment (`read` reads it), queued for the flusher, or lost to a failed write (never on disk). */
  whereIs(ref: number): "disk" | "pending" | "lost" {
    if (ref <= this.#writtenSeq) return this.#live.segmentOf(ref) ? "disk" : "lost";
    return ref >= this.#nextSeq || this.#fallback || this.#durability.isLost(ref) ? "lost" : "pending";
  }

  /**
   * Written records `from .. from + n - 1` are no longer in the caller's memory (spilled): it reads
   * each back (`read`) before it acknowledges it, so the engine may forget where they are until then.
   */
  release(from: number, n: number): void {
    this.#live.release(from, n);
  }

  /** Per-record offsets the engine holds (4 bytes each): bounded by what the caller keeps in memory, not by what is on disk. */
  get offsetSlots(): number {
    return this.#live.offsetSlots;
  }

  /** Payloads of written records, in `refs` order; `undefined` where one does not read back intact. */
  async read(refs: readonly number[]): Promise<(Uint8Array | undefined)[]> {
    const out = new Array<Uint8Array | undefined>(refs.length).fill(undefined);
    await this.readEach(refs, (index, bytes, start, end) => (out[index] = bytes.subarray(start, end)));
    return out;
  }

  /** `read` without an array or a view per record: `onRecord` hears of each record of `refs` that reads back intact (by its index in `refs`), in order. */
  async readEach(refs: readonly number[], onRecord: OnOwnRecord): Promise<void> {
    const written = refs.filter((ref) => ref <= this.#writtenSeq);
    const groups = await relearnForgotten(this.#fs, this.#live, written);
    for (const span of spansOf(refs, this.#writtenSeq, this.#live, groups)) {
      let buf: Buffer;
      try {
        buf = span.bytes ?? (await this.#fs.readAt(span.seg.path, span.start, span.end - span.start));
      } catch {
        continue; // unreadable: none of its records is handed over, for the caller to count and retry
      }
      const loaded = loadForChecks(buf);
      const offsets = span.seg.offsets;
      for (let i = span.first; i <= span.last; i++) {
        const ref = refs[i]!;
        const at = offsets.startOf(ref) - span.start;
        const end = offsets.endOf(ref) - span.start;
        if (!recordIntact(buf, at, end, loaded)) continue;
        // Back in the caller's memory: it will ack it, which needs its offsets.
        offsets.readBack(ref);
        onRecord(i, buf, at + RECORD_HEADER_BYTES, end);
      }
    }
  }
}

/** The bytes of a group read to learn its offsets again: its records are read out of them too. */
interface GroupBytes {
  seg: SegmentState;
  start: number;
  end: number;
  bytes: Buffer;
}

/**
 * Reads each forgotten group holding one of `refs` (all at once) and walks its length headers (the
 * others are pinned); a group that does not read or add up stays forgotten (its records read as
 * `undefined`). Gives the bytes of the groups learnt again: a drain reads back records in forgotten
 * groups, and reading them a second time doubled its reads and the waits for them.
 */
async function relearnForgotten(fsi: SpoolFs, live: RecordLocator, refs: readonly number[]): Promise<GroupBytes[]> {
  // Refs of one read are mostly consecutive: each group is looked at once, not once per ref (an
  // object per ref here was a good part of what a drain kept across scavenges).
  const tried: { seg: SegmentState; group: number; start: number; end: number }[] = [];
  let lastSeg: SegmentState | undefined;
  let lastGroup = -1;
  for (const ref of refs) {
    const seg = live.segmentOf(ref);
    const index = seg === undefined ? -1 : seg.offsets.groupOf(ref);
    if (seg === undefined || (seg === lastSeg && index === lastGroup)) continue;
    lastSeg = seg;
    lastGroup = index;
    const group = seg.offsets.forgottenGroup(ref);
    if (group !== undefined && !triedAlready(tried, seg, index)) tried.push({ seg, ...group });
    // Acks arriving while this read waits must not make the group forget the offsets it is about to use.
    else seg.offsets.pin(index);
  }
  const learnt = await Promise.all(
    tried.map(async ({ seg, group, start, end }): Promise<GroupBytes | undefined> => {
      try {
        const bytes = await fsi.readAt(seg.path, start, end - start);
        return seg.offsets.relearn(group, bytes) ? { seg, start, end, bytes } : undefined;
      } catch {
        return undefined; // unreadable: its records stay `undefined` for the caller to count and retry
      }
    }),
  );
  return learnt.filter((g) => g !== undefined);
}

function triedAlready(tried: readonly { seg: SegmentState; group: number }[], seg: SegmentState, group: number): boolean {
  for (const t of tried) if (t.seg === seg && t.group === group) return true;
  return false;
}

/**
 * Consecutive records of `refs` in one segment, by index in `refs`: in the bytes of a group read
 * already (`groups`), or one read each (at most `MAX_READ_BYTES`). Records not written or not
 * located are left out.
 */
function spansOf(refs: readonly number[], writtenSeq: number, live: RecordLocator, groups: readonly GroupBytes[]): Span[] {
  const spans: Span[] = [];
  let span: Span | undefined;
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i]!;
    const seg = ref <= writtenSeq ? (span !== undefined && span.seg.offsets.contains(ref) ? span.seg : live.segmentOf(ref)) : undefined;
    const start = seg === undefined ? -1 : seg.offsets.startOf(ref);
    const end = seg === undefined ? -1 : seg.offsets.endOf(ref);
    if (seg === undefined || start < 0 || end < 0) {
      span = undefined;
      continue;
    }
    const follows = span !== undefined && span.seg === seg && span.last === i - 1;
    if (follows && span!.bytes !== undefined && start >= span!.start && end <= span!.end) {
      span!.last = i; // in the group read already that the span is
      continue;
    }
    const group = groups.find((g) => g.seg === seg && start >= g.start && end <= g.end);
    if (group !== undefined) {
      spans.push((span = { seg, first: i, last: i, start: group.start, end: group.end, bytes: group.bytes }));
      continue;
    }
    if (follows && span!.bytes === undefined && start === span!.end && end - span!.start <= MAX_READ_BYTES) {
      span!.last = i;
      span!.end = end;
      continue;
    }
    spans.push((span = { seg, first: i, last: i, start, end }));
  }
  return spans;
}
