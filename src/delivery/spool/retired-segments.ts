/**
 * Deleting segments every record of which is acknowledged (sealed, nothing outstanding), this
 * writer's and adopted ones, then adopted directories left empty: whole-file unlinks, so freeing
 * space never needs space. A failed unlink is reported, never thrown (the file is read again later).
 */
import { removeEmptiedSources, type AdoptedSource } from "./backlog-reader.ts";
import type { LiveSegments } from "./live-segments.ts";
import type { SegmentState } from "./segment-state.ts";
import { asSpoolError, type SpoolError } from "./spool-errors.ts";
import type { SpoolFs } from "./spool-fs.ts";

/** Returns the bytes freed. */
export async function deleteRetired(fsi: SpoolFs, retired: readonly SegmentState[], live: LiveSegments, adopted: AdoptedSource[], report: (error: SpoolError) => void): Promise<number> {
  let freed = 0;
  for (const seg of retired) {
    if (seg.deleted) continue;
    seg.deleted = true;
    await fsi.unlink(seg.path).catch((error: unknown) => report(asSpoolError(error, "unlink", seg.path)));
    freed += seg.size;
    seg.source.remaining--;
    if (seg.source === live.source) live.forget(seg);
  }
  return freed + (await removeEmptiedSources(fsi, adopted));
}
