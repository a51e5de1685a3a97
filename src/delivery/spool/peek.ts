/**
 * Read-only look at the records a writer directory still holds (`sync --dry-run`): its segments and
 * those of the orphans it adopted, oldest first, minus what their acks files cover. Unlike
 * `backlog()`, it adopts nothing and moves nothing: unreadable files and damaged records are
 * skipped (and counted), never sent to `corrupt/`.
 */
import path from "node:path";
import { decodeAcks } from "./acks-format.ts";
import { RangeSet } from "./range-set.ts";
import { checkSegmentHeader, SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import { scanRecords } from "./segment-scan.ts";
import { ACKS_FILE, ADOPTED_DIR, segmentIdOf } from "./spool-layout.ts";
import { nodeSpoolFs, type SpoolFs } from "./spool-fs.ts";

export interface PeekedRecord {
  type: number;
  payload: Buffer;
}

/** What could not be read: files (unreadable, unsupported or damaged headers) and damaged regions. */
export interface PeekProblems {
  unreadableFiles: number;
  corruptRecords: number;
}

/** The unacknowledged records of `writerDir` and its adopted orphans (adopted ones first: they are older). */
export async function* peekUnacked(writerDir: string, problems: PeekProblems, fsi: SpoolFs = nodeSpoolFs): AsyncGenerator<PeekedRecord> {
  const adopted = path.join(writerDir, ADOPTED_DIR);
  for (const nested of (await fsi.readdir(adopted).catch(() => [] as string[])).sort()) yield* peekUnacked(path.join(adopted, nested), problems, fsi);
  const acked = await fsi.readFile(path.join(writerDir, ACKS_FILE)).then((buf) => decodeAcks(buf).bySegment, () => new Map<number, RangeSet>());
  const segments = (await fsi.readdir(writerDir).catch(() => [] as string[])).flatMap((name) => {
    const id = segmentIdOf(name);
    return id === undefined ? [] : [{ id, file: path.join(writerDir, name) }];
  });
  for (const { id, file } of segments.sort((a, b) => a.id - b.id)) {
    const buf = await fsi.readFile(file).catch(() => undefined);
    const header = buf && checkSegmentHeader(buf.subarray(0, SEGMENT_HEADER_BYTES));
    if (buf === undefined || header === undefined || header.kind === "corrupt" || header.kind === "unsupported") {
      problems.unreadableFiles++;
      continue;
    }
    if (header.kind === "torn") continue; // killed while creating it: no records
    const scan = scanRecords(buf, SEGMENT_HEADER_BYTES);
    problems.corruptRecords += scan.corruptRecords;
    const ranges = acked.get(id) ?? new RangeSet();
    for (const record of scan.records) if (!ranges.covers(record.start, record.end)) yield { type: record.type, payload: record.payload };
  }
}
