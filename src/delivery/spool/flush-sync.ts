/**
 * The exit-hook path: everything not yet written goes into the current segment with synchronous
 * calls (an `exit` handler cannot await), then fdatasync and close. An asynchronous write still in
 * flight is written again first, at its own offset: the thread pool may never run it before the
 * process dies (a signal re-raised right after), and the same bytes at the same place are harmless
 * if it does. The rest follows just past it.
 *
 * Every chunk written here is committed to the segment's offsets like the flusher's own, so that
 * acks which arrived before their records were written (a batch delivered within the flusher's
 * interval, e.g. by `run()`'s final flush) can be applied and written too: without them, the next
 * process would find a whole delivered run unacknowledged and send it again.
 */
import { ChunkEncoder, type CommittedChunk } from "./chunk-encoder.ts";
import type { LiveSegments } from "./live-segments.ts";
import { PENDING_STRIDE, type PendingItems } from "./pending-queue.ts";
import { writeFullySync, type SpoolFs } from "./spool-fs.ts";

/** The flusher's write in flight: `length` bytes of `buf` at file offset `at`, records `firstSeq`... */
export interface InflightWrite extends CommittedChunk {
  buf: Buffer;
  at: number;
  firstSeq: number;
}

export interface WrittenSync {
  /** Records written (bad ones skipped). */
  records: number;
  /** Records delivered before they were written: no bytes. */
  skipped: number;
  /** Bytes added to the segment. */
  bytes: number;
  /** The last seq now in the segment. */
  lastSeq: number;
}

/**
 * Writes the in-flight chunk again, then `items` (the first with seq `nextSeq`), committing each
 * chunk to `live.current`. Throws on I/O errors (the caller reports them).
 */
export function writeRestSync(fsi: SpoolFs, live: LiveSegments, items: Readonly<PendingItems>, inflight: InflightWrite | undefined, nextSeq: number): WrittenSync {
  const seg = live.current;
  const fd = seg?.fd;
  const written: WrittenSync = { records: 0, skipped: 0, bytes: 0, lastSeq: nextSeq - 1 };
  if (seg === undefined || fd === undefined) return written;
  const commit = (chunk: CommittedChunk, firstSeq: number): void => {
    live.commit(chunk, firstSeq);
    written.records += chunk.records;
    written.skipped += chunk.skipped;
    written.bytes += chunk.length;
    written.lastSeq = firstSeq + chunk.ends.length - 1;
  };
  if (inflight !== undefined) {
    writeFullySync(fsi, fd, inflight.buf, 0, inflight.length, inflight.at);
    commit(inflight, inflight.firstSeq);
  }
  // The encoder fills one buffer per call (it grows only for a first record that does not fit):
  // one call wrote the first 64 KiB and silently left the rest.
  const encoder = new ChunkEncoder(64 * 1024);
  for (let from = 0; from < items.length / PENDING_STRIDE; ) {
    const chunk = encoder.encode({ items, from, base: seg.size, segmentBytes: Infinity, flushBytes: Infinity });
    writeFullySync(fsi, fd, chunk.buf, 0, chunk.length, seg.size);
    commit(chunk, written.lastSeq + 1);
    from = chunk.next;
  }
  fsi.fdatasyncSync(fd);
  seg.fd = undefined;
  fsi.closeSync(fd);
  return written;
}
