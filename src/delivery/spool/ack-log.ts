/**
 * One writer directory's append-only `acks` file. Entries are buffered by `add()` (merging a range
 * that continues the previous one), written by the flusher after the data, and synced with it.
 * Past `compactBytes` the file is rewritten from the in-memory ranges (tmp, fsync, rename), which
 * also drops the entries of deleted segments.
 */
import path from "node:path";
import { ACK_ENTRY_BYTES, encodeAck } from "./acks-format.ts";
import type { SpoolFs } from "./spool-fs.ts";
import { writeFully, writeFullySync } from "./spool-fs.ts";
import { ioError } from "./spool-errors.ts";

export class AckLog {
  readonly path: string;
  readonly #fs: SpoolFs;
  #fd: number | undefined;
  #size = -1;
  /** An async `writePending` not finished yet: its bytes and offset (-1 until the file is open), for the exit hook. */
  #inflight: { buf: Buffer; at: number } | undefined;
  /** Flat `[segmentId, start, end, ...]` not yet written. */
  #pending: number[] = [];
  #unsynced = false;

  constructor(fsi: SpoolFs, dir: string) {
    this.#fs = fsi;
    this.path = path.join(dir, "acks");
  }

  get size(): number {
    return Math.max(this.#size, 0);
  }

  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  add(segmentId: number, start: number, end: number): void {
    const p = this.#pending;
    const n = p.length;
    if (n && p[n - 3] === segmentId && p[n - 1] === start) p[n - 1] = end;
    else p.push(segmentId, start, end);
  }

  #encodePending(): Buffer {
    const p = this.#pending;
    this.#pending = [];
    const buf = Buffer.allocUnsafe((p.length / 3) * ACK_ENTRY_BYTES);
    for (let i = 0, at = 0; i < p.length; i += 3, at += ACK_ENTRY_BYTES) encodeAck(buf, at, p[i]!, p[i + 1]!, p[i + 2]!);
    return buf;
  }

  async #open(): Promise<number> {
    if (this.#fd !== undefined) return this.#fd;
    try {
      this.#fd = await this.#fs.open(this.path, "r+");
      this.#size = await this.#fs.size(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.#fd = await this.#fs.open(this.path, "wx");
      this.#size = 0;
    }
    return this.#opened();
  }

  /** The exit hook's `#open`: the acks file may not exist yet when the first acks come at exit. */
  #openSync(): number {
    if (this.#fd !== undefined) return this.#fd;
    try {
      this.#fd = this.#fs.openSync(this.path, "r+");
      this.#size = this.#fs.sizeSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.#fd = this.#fs.openSync(this.path, "wx");
      this.#size = 0;
    }
    return this.#opened();
  }

  #opened(): number {
    // A torn trailing entry (killed mid-append) would misalign every later entry: write past it aligned.
    this.#size -= this.#size % ACK_ENTRY_BYTES;
    return this.#fd!;
  }

  /** Forgets the entries not written yet (their directory is being removed). */
  discardPending(): void {
    this.#pending = [];
  }

  /** Returns the bytes the file grew by. */
  async writePending(): Promise<number> {
    if (!this.#pending.length) return 0;
    // In flight from the moment its entries leave `#pending`, the wait for the file's first open
    // included: the exit hook must see them (`at` is known once the file is open).
    const inflight: { buf: Buffer; at: number } = (this.#inflight = { buf: this.#encodePending(), at: -1 });
    const buf = inflight.buf;
    try {
      const fd = await this.#open();
      if (inflight.at < 0) inflight.at = this.#size;
      await writeFully(this.#fs, fd, buf, 0, buf.length, inflight.at);
    } catch (error) {
      if (this.#inflight === inflight) this.#inflight = undefined;
      throw ioError("write", this.path, error);
    }
    if (this.#inflight !== inflight) return 0; // the exit hook wrote these bytes again, and counted them
    this.#inflight = undefined;
    this.#size += buf.length;
    this.#unsynced = true;
    return buf.length;
  }

  /** The exit hook's `writePending` (then fdatasync). Throws on I/O errors (the caller reports them). */
  writePendingSync(): void {
    const inflight = this.#inflight;
    if (!this.#pending.length && inflight === undefined) return;
    const fd = this.#openSync();
    if (inflight !== undefined) {
      // The flusher's write of these acks may never finish (the process exits before the thread
      // pool runs it), and its entries already left `#pending`: write the same bytes at the same
      // place (a late finish then rewrites them unchanged). Found by an outside review. Still
      // waiting for the file to open, they get their place here.
      if (inflight.at < 0) inflight.at = this.#size;
      writeFullySync(this.#fs, fd, inflight.buf, 0, inflight.buf.length, inflight.at);
      this.#size = inflight.at + inflight.buf.length;
      this.#inflight = undefined;
    }
    if (this.#pending.length) {
      const buf = this.#encodePending();
      writeFullySync(this.#fs, fd, buf, 0, buf.length, this.#size);
      this.#size += buf.length;
    }
    this.#fs.fdatasyncSync(fd);
  }

  async sync(): Promise<void> {
    if (!this.#unsynced || this.#fd === undefined) return;
    this.#unsynced = false;
    try {
      await this.#fs.fdatasync(this.#fd);
    } catch (error) {
      throw ioError("fdatasync", this.path, error);
    }
  }

  /**
   * Rewrites the file as exactly `entries` (flat `[segmentId, start, end, ...]`). Returns the size
   * change. On failure the old file stays (it is still correct, only longer).
   */
  async compact(entries: readonly number[], dir: string): Promise<number> {
    const tmp = `${this.path}.tmp`;
    const buf = Buffer.allocUnsafe((entries.length / 3) * ACK_ENTRY_BYTES);
    for (let i = 0, at = 0; i < entries.length; i += 3, at += ACK_ENTRY_BYTES) encodeAck(buf, at, entries[i]!, entries[i + 1]!, entries[i + 2]!);
    const before = this.size;
    try {
      await this.#fs.unlink(tmp).catch(() => undefined);
      await this.#fs.writeFileExclusive(tmp, buf);
      await this.close();
      await this.#fs.rename(tmp, this.path);
      await this.#fs.syncDir(dir);
    } catch (error) {
      throw ioError("compact", this.path, error);
    }
    this.#size = -1;
    return buf.length - before;
  }

  async close(): Promise<void> {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) await this.#fs.close(fd).catch(() => undefined);
  }

  closeSync(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd === undefined) return;
    try {
      this.#fs.closeSync(fd);
    } catch {
      // exiting: nothing left to do with a close failure
    }
  }
}

/** The writer's own acks log and when to compact it (`acksCompactBytes`) from `entries()` (every acknowledged range). */
export interface OwnAcks {
  log: AckLog;
  overBytes: number;
  entries: () => readonly number[];
  dir: string;
}

/**
 * The flusher's acks step: writes each log's buffered entries (they wait in `unsynced` for the next
 * sync), then compacts the own log if it grew past its bound (compacting syncs it). Returns the bytes added.
 */
export async function writeAckLogs(logs: readonly AckLog[], unsynced: Set<AckLog>, own: OwnAcks): Promise<number> {
  let added = 0;
  for (const log of logs) {
    added += await log.writePending();
    unsynced.add(log);
  }
  if (own.log.size > own.overBytes) {
    unsynced.delete(own.log);
    added += await own.log.compact(own.entries(), own.dir);
  }
  return added;
}
