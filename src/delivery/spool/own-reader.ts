/**
 * Reads back records this writer appended and wrote (a spilled event the outbox no longer keeps in
 * memory): the live segments map each record's sequence number to its byte range, so a run of
 * records in one segment is one positional read. The checksum is verified again: a record that
 * does not read back intact is `undefined`, never a throw. Offsets the segments forgot (records
 * `release`d: they left the owner's memory) are learnt again first, from their group's bytes.
 */
import type { Durability } from "./durability.ts";
import { RECORD_HEADER_BYTES, recordEndAt } from "./record-format.ts";
import type { SegmentState } from "./segment-state.ts";
import type { SpoolFs } from "./spool-fs.ts";

type Locate = (ref: number) => { seg: SegmentState; start: number; end: number } | undefined;

/** What maps this writer's sequence numbers to byte ranges (`LiveSegments`). */
export interface RecordLocator {
  segmentOf(ref: number): SegmentState | undefined;
  locate: Locate;
  release(from: number, n: number): void;
  readonly offsetSlots: number;
}

/** One read covers at most this many bytes; more records in the same segment start another read. */
const MAX_READ_BYTES = 4 * 1024 * 1024;

interface Span {
  seg: SegmentState;
  start: number;
  end: number;
  /** Indices into the caller's `refs` and each record's offsets. */
  members: { index: number; start: number; end: number }[];
}

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
    const written = refs.filter((ref) => ref <= this.#writtenSeq);
    await relearnForgotten(this.#fs, this.#live, written);
    const out = await readOwnRecords(this.#fs, refs, (ref) => (ref <= this.#writtenSeq ? this.#live.locate(ref) : undefined));
    // Back in the caller's memory: it will ack them, which needs their offsets.
    for (let i = 0; i < refs.length; i++) if (out[i] !== undefined) this.#live.segmentOf(refs[i]!)?.offsets.readBack(refs[i]!);
    return out;
  }
}

/** Reads each forgotten group holding one of `refs` and walks its length headers; a group that does not read or add up stays forgotten (its records read as `undefined`). */
async function relearnForgotten(fsi: SpoolFs, live: RecordLocator, refs: readonly number[]): Promise<void> {
  const tried = new Set<string>();
  for (const ref of refs) {
    const seg = live.segmentOf(ref);
    const group = seg?.offsets.forgottenGroup(ref);
    if (seg === undefined || group === undefined || tried.has(`${seg.id}:${group.group}`)) continue;
    tried.add(`${seg.id}:${group.group}`);
    try {
      seg.offsets.relearn(group.group, await fsi.readAt(seg.path, group.start, group.end - group.start));
    } catch {
      // unreadable: its records stay `undefined` for the caller to count and retry
    }
  }
}

async function readOwnRecords(fsi: SpoolFs, refs: readonly number[], locate: Locate): Promise<(Uint8Array | undefined)[]> {
  const out = new Array<Uint8Array | undefined>(refs.length).fill(undefined);
  for (const span of spansOf(refs, locate)) {
    let buf: Buffer;
    try {
      buf = await fsi.readAt(span.seg.path, span.start, span.end - span.start);
    } catch {
      continue; // unreadable: each of its records stays `undefined` for the caller to count
    }
    for (const member of span.members) {
      const at = member.start - span.start;
      if (recordEndAt(buf, at, Math.min(buf.length, member.end - span.start)) !== member.end - span.start) continue;
      out[member.index] = buf.subarray(at + RECORD_HEADER_BYTES, member.end - span.start);
    }
  }
  return out;
}

function spansOf(refs: readonly number[], locate: Locate): Span[] {
  const spans: Span[] = [];
  let span: Span | undefined;
  refs.forEach((ref, index) => {
    const at = locate(ref);
    if (at === undefined) return;
    if (span === undefined || span.seg !== at.seg || at.start < span.end || at.end - span.start > MAX_READ_BYTES) {
      span = { seg: at.seg, start: at.start, end: at.end, members: [] };
      spans.push(span);
    }
    span.end = at.end;
    span.members.push({ index, start: at.start, end: at.end });
  });
  return spans;
}
