/**
 * The exit-hook path: everything not yet written goes into the current segment with synchronous
 * calls (an `exit` handler cannot await), then fdatasync and close. An asynchronous write still in
 * flight is written again first, at its own offset: the thread pool may never run it before the
 * process dies (a signal re-raised right after), and the same bytes at the same place are harmless
 * if it does. The rest follows just past it.
 */
import { ChunkEncoder } from "./chunk-encoder.ts";
import { PENDING_STRIDE, type PendingItems } from "./pending-queue.ts";
import type { SegmentState } from "./segment-state.ts";
import { writeFullySync, type SpoolFs } from "./spool-fs.ts";

/** The flusher's write in flight: `length` bytes of `buf` at file offset `at`. */
export interface InflightWrite {
  buf: Buffer;
  length: number;
  at: number;
}

/** Returns the number of records written. Throws on I/O errors (the caller reports them). */
export function writeRestSync(fsi: SpoolFs, seg: SegmentState, items: Readonly<PendingItems>, inflight: InflightWrite | undefined): number {
  const fd = seg.fd;
  if (fd === undefined) return 0;
  if (inflight !== undefined) writeFullySync(fsi, fd, inflight.buf, 0, inflight.length, inflight.at);
  let at = inflight === undefined ? seg.size : inflight.at + inflight.length;
  let records = 0;
  // The encoder fills one buffer per call (it grows only for a first record that does not fit):
  // one call wrote the first 64 KiB and silently left the rest.
  const encoder = new ChunkEncoder(64 * 1024);
  for (let from = 0; from < items.length / PENDING_STRIDE; ) {
    const chunk = encoder.encode({ items, from, base: at, segmentBytes: Infinity, flushBytes: Infinity });
    writeFullySync(fsi, fd, chunk.buf, 0, chunk.length, at);
    at += chunk.length;
    records += chunk.records;
    from = chunk.next;
  }
  fsi.fdatasyncSync(fd);
  seg.fd = undefined;
  fsi.closeSync(fd);
  return records;
}
