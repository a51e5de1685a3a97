/**
 * The exit-hook path: everything not yet written goes into the current segment with synchronous
 * calls (an `exit` handler cannot await), then fdatasync and close. It writes at `base`, just past
 * any asynchronous write still in flight, so the two cannot overlap in the file.
 */
import { ChunkEncoder } from "./chunk-encoder.ts";
import type { PendingItems } from "./pending-queue.ts";
import type { SegmentState } from "./segment-state.ts";
import { writeFullySync, type SpoolFs } from "./spool-fs.ts";

/** Returns the number of records written. Throws on I/O errors (the caller reports them). */
export function writeRestSync(fsi: SpoolFs, seg: SegmentState, items: Readonly<PendingItems>, base: number): number {
  const fd = seg.fd;
  if (fd === undefined) return 0;
  const chunk = new ChunkEncoder(64 * 1024).encode({ items, from: 0, base, segmentBytes: Infinity, flushBytes: Infinity });
  writeFullySync(fsi, fd, chunk.buf, 0, chunk.length, base);
  fsi.fdatasyncSync(fd);
  seg.fd = undefined;
  fsi.closeSync(fd);
  return chunk.records;
}
