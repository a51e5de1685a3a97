/**
 * Reads back records this writer appended and wrote (a spilled event the outbox no longer keeps in
 * memory): the live segments map each record's sequence number to its byte range, so a run of
 * records in one segment is one positional read. The checksum is verified again: a record that
 * does not read back intact is `undefined`, never a throw.
 */
import type { Durability } from "./durability.ts";
import { RECORD_HEADER_BYTES, recordEndAt } from "./record-format.ts";
import type { SegmentState } from "./segment-state.ts";
import type { SpoolFs } from "./spool-fs.ts";

type Locate = (ref: number) => { seg: SegmentState; start: number; end: number } | undefined;

/** What maps this writer's sequence numbers to byte ranges (`LiveSegments`). */
export interface RecordLocator {
  locate: Locate;
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
    if (ref <= this.#writtenSeq) return this.#live.locate(ref) ? "disk" : "lost";
    return ref >= this.#nextSeq || this.#fallback || this.#durability.isLost(ref) ? "lost" : "pending";
  }

  /** Payloads of written records, in `refs` order; `undefined` where one does not read back intact. */
  read(refs: readonly number[]): Promise<(Uint8Array | undefined)[]> {
    return readOwnRecords(this.#fs, refs, (ref) => (ref <= this.#writtenSeq ? this.#live.locate(ref) : undefined));
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
