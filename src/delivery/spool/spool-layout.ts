/**
 * Names inside a spool directory:
 *
 *   <spoolDir>/FORMAT                            {"format":1,"host":...}, written once ("host": see `formatFileText`)
 *   <spoolDir>/w-<host>-<pid>-<startMs>-<rand>/  one per writing process: LOCK, NNNNNNNN.seg, acks, LIVE (live-socket.ts)
 *   <spoolDir>/w-.../adopted/<w-...>/            orphans this writer took over (renamed in: one winner)
 *   <spoolDir>/corrupt/                          files that could not be read, moved aside
 */
import path from "node:path";

export const SPOOL_FORMAT = 1;
export { FORMAT_FILE, parseFormatText } from "../../config/spool-format.ts";
export const LOCK_FILE = "LOCK";
export const ACKS_FILE = "acks";
/** The writer's Unix socket while it runs (live-socket.ts). */
export const LIVE_FILE = "LIVE";
export const ADOPTED_DIR = "adopted";
export const CORRUPT_DIR = "corrupt";
const SEGMENT_SUFFIX = ".seg";

export function writerDirName(host: string, pid: number, startMs: number, rand: number): string {
  // Host names may hold characters that are awkward in paths; keep the name one safe token.
  const safeHost = host.replace(/[^A-Za-z0-9.]/g, "_").slice(0, 64);
  return `w-${safeHost}-${pid}-${startMs}-${rand.toString(16).padStart(8, "0")}`;
}

export function isWriterDirName(name: string): boolean {
  return /^w-.+-\d+-\d+-[0-9a-f]{8}$/.test(name);
}

/** The start time in a writer dir name, to adopt oldest first. */
export function writerStartMs(name: string): number {
  const parts = name.split("-");
  return Number(parts[parts.length - 2]);
}

export function segmentFileName(id: number): string {
  return `${String(id).padStart(8, "0")}${SEGMENT_SUFFIX}`;
}

/** The segment id of a file name, or undefined if it is not a segment. */
export function segmentIdOf(name: string): number | undefined {
  const match = /^(\d{8,10})\.seg$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * `host`: a label the engine writes and never reads, the Syvain host the directory's records are
 * for, so `syvain-otel sync` can tell whose records a directory holds wherever it was copied. The
 * engine reads `format` only: a FORMAT without `host` (older versions') is read alike, and older
 * versions read this one.
 */
export function formatFileText(host?: string): string {
  return `${JSON.stringify(host === undefined ? { format: SPOOL_FORMAT } : { format: SPOOL_FORMAT, host })}\n`;
}


export function corruptPath(spoolDir: string, writerName: string, file: string): string {
  return path.join(spoolDir, CORRUPT_DIR, `${writerName}-${file}`);
}
