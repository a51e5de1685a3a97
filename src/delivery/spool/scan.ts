/**
 * Read-only inventory of a spool directory for a `sync` command (`--dry-run`): which writer
 * directories exist, whose process is alive, how many bytes they hold. Reads LOCK files and
 * segment headers only; changes nothing.
 */
import path from "node:path";
import { describeWriterDir, listWriterDirs, type WriterDirInfo } from "./adopt.ts";
import { currentIdentity, type LivenessOptions } from "./process-identity.ts";
import { decodeAcks } from "./acks-format.ts";
import type { RangeSet } from "./range-set.ts";
import { SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import { ACKS_FILE, ADOPTED_DIR, CORRUPT_DIR, FORMAT_FILE, parseFormatText, SPOOL_FORMAT, segmentIdOf } from "./spool-layout.ts";
import { nodeSpoolFs, type SpoolFs } from "./spool-fs.ts";

/** A writer directory as `describeWriterDir` judges it (liveness, another machine's LOCK), with what it holds. */
export interface ScannedWriter extends WriterDirInfo {
  /** Segment files, including those of orphans this writer adopted. */
  segments: number;
  /** Bytes of segments and acks files, including adopted orphans'. */
  bytes: number;
  /** Segment bytes (past their headers) no acknowledged range covers: records still to deliver (a torn tail counts too). */
  unackedBytes: number;
}

export interface SpoolScan {
  /** `undefined`: no FORMAT file (an empty or new spool directory). */
  format: number | "unreadable" | undefined;
  /** False if FORMAT names a version this code does not read. */
  supported: boolean;
  writers: ScannedWriter[];
  corruptFiles: number;
}

export interface ScanOptions extends LivenessOptions {
  /** @default node:fs */
  fs?: SpoolFs;
}

/** `otherMachines`: judged as the adoption that follows will judge them (`Spool.adoptOrphans`). */
export async function scanSpool(dir: string, options: ScanOptions = {}): Promise<SpoolScan> {
  const fsi = options.fs ?? nodeSpoolFs;
  const me = currentIdentity();
  const format = await readFormat(fsi, dir);
  const writers: ScannedWriter[] = [];
  for (const name of await listWriterDirs(fsi, dir).catch(() => [] as string[])) {
    const info = await describeWriterDir(fsi, dir, name, me, options);
    const usage = await diskUsage(fsi, info.path);
    writers.push({ ...info, ...usage });
  }
  const corruptFiles = (await fsi.readdir(path.join(dir, CORRUPT_DIR)).catch(() => [] as string[])).length;
  return { format, supported: format === undefined || format === SPOOL_FORMAT, writers, corruptFiles };
}

export async function readFormat(fsi: SpoolFs, dir: string): Promise<number | "unreadable" | undefined> {
  return (await readFormatFile(fsi, dir)).format;
}

/**
 * The host a directory's FORMAT names (`formatFileText`): `undefined` for a FORMAT of an older
 * version (it names none), or none at all.
 */
export async function readSpoolHost(dir: string, fsi: SpoolFs = nodeSpoolFs): Promise<string | undefined> {
  return (await readFormatFile(fsi, dir)).host;
}


async function readFormatFile(fsi: SpoolFs, dir: string): Promise<{ format: number | "unreadable" | undefined; host?: string }> {
  let text: string;
  try {
    text = (await fsi.readFile(path.join(dir, FORMAT_FILE))).toString("utf8");
  } catch (error) {
    return { format: (error as NodeJS.ErrnoException).code === "ENOENT" ? undefined : "unreadable" };
  }
  return parseFormatText(text);
}

async function diskUsage(fsi: SpoolFs, dir: string): Promise<{ segments: number; bytes: number; unackedBytes: number }> {
  let segments = 0;
  let bytes = 0;
  let unackedBytes = 0;
  const acked = await fsi
    .readFile(path.join(dir, ACKS_FILE))
    .then((buf) => decodeAcks(buf).bySegment)
    .catch(() => new Map<number, RangeSet>());
  for (const file of await fsi.readdir(dir).catch(() => [] as string[])) {
    const full = path.join(dir, file);
    if (file === ADOPTED_DIR) {
      for (const nested of await fsi.readdir(full).catch(() => [] as string[])) {
        const usage = await diskUsage(fsi, path.join(full, nested));
        segments += usage.segments;
        bytes += usage.bytes;
        unackedBytes += usage.unackedBytes;
      }
    } else if (file === ACKS_FILE) {
      bytes += await fsi.size(full).catch(() => 0);
    } else {
      const id = segmentIdOf(file);
      if (id === undefined) continue;
      const size = await fsi.size(full).catch(() => 0);
      segments++;
      bytes += size;
      unackedBytes += Math.max(0, size - SEGMENT_HEADER_BYTES - coveredBytes(acked.get(id), SEGMENT_HEADER_BYTES, size));
    }
  }
  return { segments, bytes, unackedBytes };
}

/** Bytes of `[from, to)` inside the acknowledged ranges. */
function coveredBytes(ranges: RangeSet | undefined, from: number, to: number): number {
  const bounds = ranges?.ranges() ?? [];
  let covered = 0;
  for (let i = 0; i < bounds.length; i += 2) covered += Math.max(0, Math.min(to, bounds[i + 1]!) - Math.max(from, bounds[i]!));
  return covered;
}
