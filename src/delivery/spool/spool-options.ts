/** `openSpool` options, their defaults, and validation that names the bad field and value. */
import { existsSync } from "node:fs";
import path from "node:path";
import { SpoolError } from "./spool-errors.ts";
import { RECORD_HEADER_BYTES } from "./record-format.ts";
import { SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import { nodeSpoolFs, type SpoolFs } from "./spool-fs.ts";

export interface SpoolOptions {
  /** The spool directory; created if missing. */
  dir: string;
  /** Bytes on disk (segments + acks, this writer and its adopted orphans) past which `append()` refuses. @default 1 GiB */
  maxBytes?: number;
  /** A segment is sealed and a new one started past this size. SDK 16 MiB, bridge 64 MiB. @default 16 MiB, at most `maxBytes` / 8 (`defaultSegmentBytes`) */
  segmentBytes?: number;
  /**
   * How often written bytes are fdatasync'd. `0` = group commit: every write is fdatasync'd before
   * `whenDurable()` resolves (the bridge). @default 1000 (the SDK)
   */
  syncIntervalMs?: number;
  /**
   * Appended records are written at most this long after `append()`, and (unless someone waits for
   * them: `whenDurable()`, `close()`, `flushRecords`, or the event loop was held up) no sooner than
   * 3/4 of it (write-window.ts). @default 100
   */
  flushIntervalMs?: number;
  /** Bytes per write (one write in flight at a time). @default 256 KiB */
  flushBytes?: number;
  /** Pending records that start a write without waiting for the flush interval. @default 65536 */
  flushRecords?: number;
  /**
   * Record types not written at all when acknowledged before the flusher reaches them: events the
   * server already stored need no copy on disk. Never creations or statuses (a later process reads
   * those). @default [] (every record is written)
   */
  skipAckedTypes?: readonly number[];
  /** After an I/O failure, the spool retries disk writes on an append this long later. @default 5000 */
  retryMs?: number;
  /** The acks file is compacted (tmp, fsync, rename) past this size. @default 1 MiB */
  acksCompactBytes?: number;
  /** Injected file calls (tests). @default node:fs */
  fs?: SpoolFs;
  /** Called once per switch to memory fallback, and for skipped records and unsupported files. */
  onError?: (error: SpoolError) => void;
  /** Clock for the retry delay and the write window (tests). @default Date.now */
  now?: () => number;
  /** Recorded in the LOCK, so that `sync` can tell a running offline writer (it sends nothing) from an online one. */
  mode?: "online" | "offline";
  /**
   * Written into the FORMAT file if this spool creates it (never read by the engine): the Syvain
   * host the directory's records are for, so `sync` delivers a copy of it from anywhere. An existing
   * FORMAT is left as it is. @default none
   */
  host?: string;
}

export type ResolvedSpoolOptions = Required<Omit<SpoolOptions, "onError" | "mode" | "host">> & { onError: ((error: SpoolError) => void) | undefined; host: string | undefined };

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function checkInteger(field: string, value: number, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new SpoolError("invalid_option", `openSpool: ${field} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

export function resolveSpoolOptions(options: SpoolOptions): ResolvedSpoolOptions {
  if (typeof options.dir !== "string" || options.dir === "") {
    throw new SpoolError("invalid_option", `openSpool: dir must be a non-empty path, got ${JSON.stringify(options.dir)}`);
  }
  // The smallest segment must fit a largest record, so a record never spans segments.
  const minSegment = SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES + 1;
  return {
    dir: options.dir,
    maxBytes: checkInteger("maxBytes", options.maxBytes ?? GiB, 0, Number.MAX_SAFE_INTEGER),
    segmentBytes: checkInteger("segmentBytes", options.segmentBytes ?? defaultSegmentBytes(options.maxBytes ?? GiB), minSegment, GiB),
    syncIntervalMs: checkInteger("syncIntervalMs", options.syncIntervalMs ?? 1000, 0, 3_600_000),
    flushIntervalMs: checkInteger("flushIntervalMs", options.flushIntervalMs ?? 100, 0, 60_000),
    flushBytes: checkInteger("flushBytes", options.flushBytes ?? 256 * 1024, 1024, 64 * MiB),
    flushRecords: checkInteger("flushRecords", options.flushRecords ?? 65_536, 1, 10_000_000),
    retryMs: checkInteger("retryMs", options.retryMs ?? 5000, 0, 3_600_000),
    acksCompactBytes: checkInteger("acksCompactBytes", options.acksCompactBytes ?? MiB, 1024, GiB),
    skipAckedTypes: checkTypes(options.skipAckedTypes ?? []),
    fs: options.fs ?? nodeSpoolFs,
    onError: options.onError,
    host: options.host,
    now: options.now ?? Date.now,
  };
}

/**
 * 16 MiB, but at most an eighth of `maxBytes` (at least 4 KiB): a segment is deleted only once it
 * is sealed and fully acknowledged, so a full spool must be several segments for delivery to free
 * room (one segment of a small spool was never sealed, and it stayed full once delivered).
 */
export function defaultSegmentBytes(maxBytes: number): number {
  return Math.max(4096, Math.min(16 * MiB, Math.floor(maxBytes / 8)));
}

function checkTypes(types: readonly number[]): readonly number[] {
  for (const type of types) checkInteger("skipAckedTypes[]", type, 1, 255);
  return types;
}

/**
 * Segments of at most an eighth of the room the disk has when the spool opens (at least 4 KiB). A
 * segment is deleted only once sealed and fully acknowledged, and the first holds the run's
 * `running` record until the run is over: on a disk smaller than a segment (a 3 MiB tmpfs, 16 MiB
 * segments) that one segment filled the disk, the spool stayed in fallback with Syvain up, and after
 * a crash the disk stayed full for every later process (outside review 15, N3).
 */
export async function fitSegmentsToDisk(options: ResolvedSpoolOptions): Promise<ResolvedSpoolOptions> {
  const free = await options.fs.freeBytes?.(nearestExisting(options.dir));
  if (free === undefined || free / 8 >= options.segmentBytes) return options;
  return { ...options, segmentBytes: Math.max(4096, Math.floor(free / 8 / 4096) * 4096) };
}

/** `dir`, or its closest parent that exists (the spool directory may not be made yet). */
function nearestExisting(dir: string): string {
  let at = path.resolve(dir);
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}

