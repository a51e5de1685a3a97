/**
 * Reading adopted writer directories back: their segments oldest first, skipping what their acks
 * file covers. Never throws on bad data: torn tails and damaged records are skipped and counted,
 * unreadable files go to `corrupt/`, unknown versions stay where they are.
 */
import path from "node:path";
import { AckLog } from "./ack-log.ts";
import { adoptOrphans, leftInPlace, type AdoptResult } from "./adopt.ts";
import type { LivenessOptions, OwnerIdentity } from "./process-identity.ts";
import { decodeAcks } from "./acks-format.ts";
import { RangeSet } from "./range-set.ts";
import { BacklogRef, SegmentState, type SegmentSource } from "./segment-state.ts";
import { checkSegmentHeader, SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import { scanRecords } from "./segment-scan.ts";
import { asSpoolError, SpoolError } from "./spool-errors.ts";
import { ACKS_FILE, CORRUPT_DIR, LIVE_FILE, LOCK_FILE, segmentIdOf } from "./spool-layout.ts";
import type { SpoolFs } from "./spool-fs.ts";
import type { SpoolCounters } from "./spool-stats.ts";

/** A record read back from disk. `payload` is the bytes given to `append()` (JSON text for objects). */
export interface BacklogRecord {
  type: number;
  payload: Buffer;
  ref: BacklogRef;
}

export interface BacklogHost {
  readonly fs: SpoolFs;
  readonly spoolDir: string;
  readonly counters: SpoolCounters;
  report(error: SpoolError): void;
  /** A segment read for the first time holds `records` unacknowledged records (read again later, they are not counted again). */
  outstanding(records: number): void;
  /** Hands a sealed segment with nothing outstanding to the flusher for deletion. */
  retire(segment: SegmentState): void;
}

interface AdoptedFile {
  id: number;
  path: string;
  size: number;
  /** Moved to `corrupt/` or left untouched (another version): never read again. */
  skip?: true;
}

export class AdoptedSource implements SegmentSource {
  readonly acks: AckLog;
  remaining = 0;
  fullyRead = false;
  keep = false;
  removed = false;
  files: AdoptedFile[] = [];
  acked = new Map<number, RangeSet>();
  /** Each segment's state once read, so a second read (`requeueUnsettled`) keeps its acks and counts. */
  readonly segments = new Map<number, SegmentState>();

  readonly dir: string;

  constructor(fsi: SpoolFs, dir: string) {
    this.dir = dir;
    this.acks = new AckLog(fsi, dir);
  }
}

/**
 * Adopts dead writers' directories and loads each (segment list, acks); never throws. An adoption
 * that fails (no room for the `adopted/` folder) names the directories it leaves (`notAdopted`).
 */
export async function adoptAndLoad(host: BacklogHost, myName: string, me: OwnerIdentity, options: LivenessOptions): Promise<{ result: AdoptResult; sources: AdoptedSource[] }> {
  let result: AdoptResult;
  try {
    result = await adoptOrphans(host.fs, host.spoolDir, myName, me, options);
  } catch (error) {
    const cause = asSpoolError(error, "adopt", host.spoolDir);
    const notAdopted = await leftInPlace(host.fs, host.spoolDir, myName, me, cause, options);
    if (notAdopted === undefined) host.report(cause);
    return { result: { adopted: [], skipped: [], ...(notAdopted ? { notAdopted } : {}) }, sources: [] };
  }
  for (const skipped of result.skipped) {
    host.counters.unsupportedFiles++;
    host.report(new SpoolError("unsupported_format", `spool writer directory ${skipped.name} not adopted: ${skipped.reason}; left untouched`));
  }
  const sources: AdoptedSource[] = [];
  for (const dir of result.adopted) {
    sources.push(await loadAdopted(host, dir));
    host.counters.adoptedDirs++;
  }
  return { result, sources };
}

async function loadAdopted(host: BacklogHost, dir: string): Promise<AdoptedSource> {
  const source = new AdoptedSource(host.fs, dir);
  for (const name of await host.fs.readdir(dir).catch(() => [] as string[])) {
    const id = segmentIdOf(name);
    if (id === undefined) continue;
    const file = path.join(dir, name);
    source.files.push({ id, path: file, size: await host.fs.size(file).catch(() => 0) });
  }
  source.files.sort((a, b) => a.id - b.id);
  source.remaining = source.files.length;
  try {
    const decoded = decodeAcks(await host.fs.readFile(path.join(dir, ACKS_FILE)));
    source.acked = decoded.bySegment;
    host.counters.badAckEntries += decoded.badEntries;
    host.counters.bytesOnDisk += await host.fs.size(path.join(dir, ACKS_FILE));
  } catch {
    // No acks file (never written, or lost): every record is unacknowledged and is resent.
  }
  for (const file of source.files) {
    host.counters.bytesOnDisk += file.size;
    host.counters.backlogBytes += file.size;
  }
  return source;
}

/**
 * Puts back on `queue` the adopted directories a backlog reader took (they are not queued) whose
 * records are not all acknowledged: it stopped early, or what it gave was not all delivered.
 */
export function requeueUnsettled(adopted: readonly AdoptedSource[], queue: AdoptedSource[]): number {
  const again = adopted.filter((source) => !queue.includes(source) && needsAnotherRead(source));
  queue.push(...again);
  return again.length;
}

function needsAnotherRead(source: AdoptedSource): boolean {
  if (source.removed) return false;
  return !source.fullyRead || [...source.segments.values()].some((segment) => !segment.deleted && segment.outstanding > 0);
}

export async function* readSource(host: BacklogHost, source: AdoptedSource): AsyncGenerator<BacklogRecord> {
  for (const file of source.files) {
    if (file.skip) continue;
    const known = source.segments.get(file.id);
    if (known !== undefined) {
      yield* readAgain(host, known, file.size);
      continue;
    }
    yield* readSegment(host, source, file);
    const segment = source.segments.get(file.id);
    if (segment === undefined) host.counters.backlogBytesRead += file.size; // unreadable or unsupported: skipped for good
    else countRead(host, segment, file.size);
  }
  source.fullyRead = true;
}

/** Per adopted segment, how far `backlogBytesRead` has counted it: a later read (a replay that stopped) counts only the rest. */
const countedTo = new WeakMap<SegmentState, number>();

/** Counts `segment` as read up to `offset` (the end of a record given, or its size once done). */
function countRead(host: BacklogHost, segment: SegmentState, offset: number): void {
  const before = countedTo.get(segment) ?? 0;
  if (offset <= before) return;
  countedTo.set(segment, offset);
  host.counters.backlogBytesRead += offset - before;
}

/** One segment of an adopted directory, read for the first time: its unacknowledged records, each counted as read up to its end. */
async function* readSegment(host: BacklogHost, source: AdoptedSource, file: AdoptedFile): AsyncGenerator<BacklogRecord> {
  let buf: Buffer;
  try {
    buf = await host.fs.readFile(file.path);
  } catch (error) {
    await moveToCorrupt(host, source, file, `unreadable (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    return;
  }
  const check = checkSegmentHeader(buf.subarray(0, SEGMENT_HEADER_BYTES));
  if (check.kind === "corrupt") {
    await moveToCorrupt(host, source, file, check.reason);
    return;
  }
  if (check.kind === "unsupported") {
    file.skip = true;
    source.keep = true;
    source.remaining--;
    host.counters.unsupportedFiles++;
    host.report(new SpoolError("unsupported_format", `spool segment ${file.path} has version ${check.version}, which this version cannot read; left untouched`, { path: file.path }));
    return;
  }
  const segment = new SegmentState(source, file.id, file.path, file.size, source.acked.get(file.id) ?? new RangeSet());
  segment.sealed = true;
  source.segments.set(file.id, segment);
  if (check.kind === "torn") {
    host.counters.tornTails++; // killed while creating it: no records
    host.retire(segment);
    return;
  }
  const scan = scanRecords(buf, SEGMENT_HEADER_BYTES);
  host.counters.tornTails += scan.tornTails;
  host.counters.corruptRecords += scan.corruptRecords;
  if (scan.corruptRecords > 0) {
    // A torn tail is what any kill -9 leaves (not worth a word); damage inside a segment is not.
    host.report(
      new SpoolError("bad_record", `spool segment ${file.path}: ${scan.corruptRecords} damaged region(s) (${scan.corruptBytes} bytes) failed their checksum and were skipped; the records around them are read`, { path: file.path }),
    );
  }
  const unacked = scan.records.filter((r) => !segment.acked.covers(r.start, r.end));
  segment.outstanding = unacked.length;
  host.outstanding(unacked.length);
  if (!unacked.length) host.retire(segment);
  for (const record of unacked) {
    countRead(host, segment, record.end);
    yield { type: record.type, payload: record.payload, ref: new BacklogRef(segment, record.start, record.end) };
  }
}

/**
 * A segment read before whose records are not all acknowledged (the replay that read them gave up):
 * its unacknowledged records once more. Damage was counted and reported, and its records counted as
 * outstanding, at the first read; its bytes count as read from where the first read stopped.
 */
async function* readAgain(host: BacklogHost, segment: SegmentState, size: number): AsyncGenerator<BacklogRecord> {
  if (segment.deleted || segment.outstanding === 0) return countRead(host, segment, size);
  let buf: Buffer;
  try {
    buf = await host.fs.readFile(segment.path);
  } catch (error) {
    // It was readable a moment ago: leave it for the next round (or the next process).
    host.report(asSpoolError(error, "read", segment.path));
    return;
  }
  for (const record of scanRecords(buf, SEGMENT_HEADER_BYTES).records) {
    if (segment.acked.covers(record.start, record.end)) continue;
    countRead(host, segment, record.end);
    yield { type: record.type, payload: record.payload, ref: new BacklogRef(segment, record.start, record.end) };
  }
  countRead(host, segment, size);
}

async function moveToCorrupt(host: BacklogHost, source: AdoptedSource, file: AdoptedFile, reason: string): Promise<void> {
  file.skip = true;
  const corruptDir = path.join(host.spoolDir, CORRUPT_DIR);
  const target = path.join(corruptDir, `${path.basename(source.dir)}-${path.basename(file.path)}`);
  host.counters.corruptFiles++;
  try {
    await host.fs.mkdir(corruptDir);
    await host.fs.rename(file.path, target);
    source.remaining--;
    host.counters.bytesOnDisk -= file.size;
    host.report(new SpoolError("io", `spool segment ${file.path} is unreadable (${reason}); moved to ${target}`, { op: "read", path: file.path }));
  } catch (error) {
    source.keep = true;
    source.remaining--;
    host.report(new SpoolError("io", `spool segment ${file.path} is unreadable (${reason}) and could not be moved to ${corruptDir}`, { op: "rename", path: file.path, cause: error }));
  }
}

/** Removes a writer directory whose segments are all gone (acks, LOCK, then the directory); returns the acks bytes freed. */
export async function removeSourceDir(fsi: SpoolFs, source: SegmentSource): Promise<number> {
  // Entries not written yet (a spool in fallback writes none) cover records of deleted segments, in a
  // file about to go: written later, they would recreate it in a directory that is gone.
  source.acks.discardPending();
  await source.acks.close();
  const freed = await fsi.size(source.acks.path).catch(() => 0);
  // LIVE: the socket file a dead writer's process left (live-socket.ts).
  for (const file of [ACKS_FILE, LOCK_FILE, LIVE_FILE]) await fsi.unlink(path.join(source.dir, file)).catch(() => undefined);
  await fsi.rmdir(path.join(source.dir, "adopted")).catch(() => undefined);
  await fsi.rmdir(source.dir).catch(() => undefined);
  return freed;
}

/** Removes the adopted directories whose records are all read and acknowledged; returns the acks bytes freed. */
export async function removeEmptiedSources(fsi: SpoolFs, sources: readonly AdoptedSource[]): Promise<number> {
  let freed = 0;
  for (const source of sources) {
    if (!source.fullyRead || source.remaining !== 0 || source.keep || source.removed) continue;
    source.removed = true;
    freed += await removeSourceDir(fsi, source);
  }
  return freed;
}
