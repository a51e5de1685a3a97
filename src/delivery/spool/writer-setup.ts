/**
 * Creating this process's place in the spool: the FORMAT check, the writer directory with its LOCK
 * (created under a temporary name and renamed in, so no other process ever sees a writer directory
 * without a complete LOCK), and new segment files.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { SpoolError, ioError } from "./spool-errors.ts";
import { listenLive, type LiveSocket } from "./live-socket.ts";
export type { LiveSocket } from "./live-socket.ts";
import type { OwnerIdentity } from "./process-identity.ts";
import { readFormat } from "./scan.ts";
import { encodeSegmentHeader, SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import { FORMAT_FILE, formatFileText, LIVE_FILE, LOCK_FILE, segmentFileName, SPOOL_FORMAT } from "./spool-layout.ts";
import { writeFully, type SpoolFs } from "./spool-fs.ts";

/** Ensures `dir` exists and holds a FORMAT this code reads (writing it, with `host` if given, if the spool is new). */
export async function ensureFormat(fsi: SpoolFs, dir: string, host?: string): Promise<void> {
  try {
    await fsi.mkdir(dir);
  } catch (error) {
    throw ioError("mkdir", dir, error);
  }
  let format = await readFormat(fsi, dir);
  if (format === undefined) {
    await writeFormat(fsi, dir, host);
    format = await readFormat(fsi, dir);
  }
  if (format !== SPOOL_FORMAT) {
    throw new SpoolError(
      "unsupported_format",
      `spool directory ${dir} has FORMAT ${String(format)}, this version reads format ${SPOOL_FORMAT}; its files are left untouched (use a matching version to drain it, or another directory)`,
      { path: path.join(dir, FORMAT_FILE) },
    );
  }
}

/**
 * Writes FORMAT whole under a temporary name, then links it in: a kill leaves no FORMAT or a complete
 * one, never the empty file that made every later process refuse the directory. The link fails if
 * another process's FORMAT is there already (theirs is kept, and read); an empty one, left by an
 * older version, is replaced, and so is nothing where links are not supported.
 */
async function writeFormat(fsi: SpoolFs, dir: string, host: string | undefined): Promise<void> {
  const file = path.join(dir, FORMAT_FILE);
  const tmp = path.join(dir, `.${FORMAT_FILE}-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await fsi.writeFileExclusive(tmp, formatFileText(host));
    try {
      await fsi.link(tmp, file);
    } catch (error) {
      // EEXIST: another process's FORMAT, kept unless it is an empty one an older version left.
      // Anything else: a filesystem without hard links, where a rename (atomic too) puts it in place.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || (await readFormat(fsi, dir)) === undefined) await fsi.rename(tmp, file);
    }
    await fsi.syncDir(dir);
  } catch (error) {
    throw ioError("write", file, error);
  } finally {
    await fsi.unlink(tmp).catch(() => undefined);
  }
}

function lockText(me: OwnerIdentity): string {
  const lock = { format: SPOOL_FORMAT, pid: me.pid, host: me.host, bootId: me.bootId, startTicks: me.startTicks, mode: me.mode, liveSocket: me.liveSocket, pidNs: me.pidNs, createdAt: new Date().toISOString() };
  return `${JSON.stringify(me.released === true ? { ...lock, released: true } : lock)}\n`;
}

/**
 * Creates this writer's directory, its socket (`live-socket.ts`, bound before the LOCK so that a LOCK
 * that records one is never without it) and its LOCK; returns the socket, to be closed once the
 * directory is left (`undefined`: none could be bound).
 */
export async function createWriterDir(fsi: SpoolFs, spoolDir: string, name: string, me: OwnerIdentity): Promise<LiveSocket | undefined> {
  const final = path.join(spoolDir, name);
  const tmp = path.join(spoolDir, `.creating-${name}`);
  let live: LiveSocket | undefined;
  try {
    await fsi.mkdir(tmp);
    live = await listenLive(tmp);
    await fsi.writeFileExclusive(path.join(tmp, LOCK_FILE), lockText(live ? { ...me, liveSocket: live.record } : me));
    await fsi.rename(tmp, final);
    await fsi.syncDir(spoolDir);
  } catch (error) {
    live?.close(); // a retry binds again
    // What was made of it goes (the folder, its socket, a LOCK the disk had no room for): a full
    // disk, tried again every few seconds, must not collect one per try. Gone already once renamed in.
    await fsi.unlink(path.join(tmp, LOCK_FILE)).catch(() => undefined);
    await fsi.unlink(path.join(tmp, LIVE_FILE)).catch(() => undefined);
    await fsi.rmdir(tmp).catch(() => undefined);
    throw ioError("create writer directory", final, error);
  }
  return live;
}

/**
 * Marks a writer directory this process leaves behind (closed with records unacknowledged) as
 * released, so that any process, this one included, may adopt it. The new LOCK is written beside
 * the old one and renamed over it: a kill in between leaves the old (live-owner) LOCK, never a torn one.
 */
export async function releaseWriterDir(fsi: SpoolFs, writerDir: string, me: OwnerIdentity): Promise<void> {
  const tmp = path.join(writerDir, `${LOCK_FILE}.released`);
  try {
    await fsi.unlink(tmp).catch(() => undefined);
    await fsi.writeFileExclusive(tmp, lockText({ ...me, released: true }));
    await fsi.rename(tmp, path.join(writerDir, LOCK_FILE));
    await fsi.syncDir(writerDir);
  } catch (error) {
    throw ioError("release writer directory", writerDir, error);
  }
}

/** Creates segment `id` (never overwriting), writes its header and makes the new entry durable. */
export async function createSegment(fsi: SpoolFs, dir: string, id: number, writerId: number, nowMs: number): Promise<{ path: string; fd: number }> {
  const file = path.join(dir, segmentFileName(id));
  let fd: number | undefined;
  try {
    fd = await fsi.open(file, "wx");
    await writeFully(fsi, fd, encodeSegmentHeader({ segmentId: id, createdAtMs: nowMs, writerId }), 0, SEGMENT_HEADER_BYTES, 0);
    await fsi.syncDir(dir);
  } catch (error) {
    if (fd !== undefined) {
      // Ours alone ("wx"), and without a whole header it holds nothing: removed, so that a full
      // disk, tried again every few seconds, does not collect an empty segment file per try.
      await fsi.close(fd).catch(() => undefined);
      await fsi.unlink(file).catch(() => undefined);
    }
    throw ioError("create segment", file, error);
  }
  return { path: file, fd };
}
