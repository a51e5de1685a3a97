/**
 * Every file call the engine makes goes through this interface, so tests can inject faults
 * (ENOSPC, EIO, short writes) at exact calls, and nothing else in the engine touches `node:fs`.
 * File descriptors are plain numbers so the synchronous exit path can use the same fd.
 */
import fs from "node:fs";
import { promisify } from "node:util";

export interface SpoolFs {
  /** `flags` as in `fs.open`: the engine uses "wx" (new segment) and "r+"/"a" (acks). */
  open(path: string, flags: string): Promise<number>;
  /** The exit hook's `open` (an acks file's first entries may come at exit). */
  openSync(path: string, flags: string): number;
  /** Positional write; may write fewer bytes than asked (the engine loops). */
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  writeSync(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  /** Cuts a file back to `length` bytes (a failed write's partial tail). */
  ftruncate(fd: number, length: number): Promise<void>;
  fdatasync(fd: number): Promise<void>;
  fdatasyncSync(fd: number): void;
  close(fd: number): Promise<void>;
  closeSync(fd: number): void;
  /** fsync a directory so a created, renamed or removed entry survives a power loss. */
  syncDir(path: string): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  /** Reads up to `length` bytes from the start of a file (segment headers). */
  readHead(path: string, length: number): Promise<Buffer>;
  /** Reads up to `length` bytes at `position` (a spilled event read back from this process's own segment). */
  readAt(path: string, position: number, length: number): Promise<Buffer>;
  /** Creates a file that must not exist yet, writes it and syncs it. */
  writeFileExclusive(path: string, data: string | Buffer): Promise<void>;
  /** Creates a directory and its parents; no error if it exists. */
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  /** Gives `existing` a second name; fails with EEXIST if `to` exists (an atomic create of a whole file). */
  link(existing: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  /** Bytes free for this process on the filesystem holding `path` (`statfs`); `undefined` where unknown. Optional: an injected fs may leave it out. */
  freeBytes?(path: string): Promise<number | undefined>;
  size(path: string): Promise<number>;
  sizeSync(path: string): number;
}

function fsWrite(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, buf, offset, length, position, (error, written) => (error ? reject(error) : resolve(written))));
}
const fsFdatasync = promisify(fs.fdatasync);
const fsFtruncate = promisify(fs.ftruncate);
const fsClose = promisify(fs.close);
const fsOpen = promisify(fs.open) as (path: string, flags: string, mode: number) => Promise<number>;

/**
 * Run data is private to the user who logged it (like the emulator's 0600 data file): files 0600,
 * directories 0700. A mode only applies when the call creates the file or directory.
 */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export const nodeSpoolFs: SpoolFs = {
  freeBytes: (path) =>
    fs.promises.statfs(path).then(
      (stats) => stats.bavail * stats.bsize,
      () => undefined,
    ),
  open: (path, flags) => fsOpen(path, flags, FILE_MODE),
  openSync: (path, flags) => fs.openSync(path, flags, FILE_MODE),
  write: (fd, buf, offset, length, position) => fsWrite(fd, buf, offset, length, position),
  writeSync: (fd, buf, offset, length, position) => fs.writeSync(fd, buf, offset, length, position),
  ftruncate: (fd, length) => fsFtruncate(fd, length),
  fdatasync: (fd) => fsFdatasync(fd),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  close: (fd) => fsClose(fd),
  closeSync: (fd) => fs.closeSync(fd),
  async syncDir(path) {
    const handle = await fs.promises.open(path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  readFile: (path) => fs.promises.readFile(path),
  async readHead(path, length) {
    const handle = await fs.promises.open(path, "r");
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  },
  async readAt(path, position, length) {
    const handle = await fs.promises.open(path, "r");
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, position);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  },
  async writeFileExclusive(path, data) {
    const handle = await fs.promises.open(path, "wx", FILE_MODE);
    try {
      await handle.writeFile(data);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  },
  mkdir: async (path) => {
    await fs.promises.mkdir(path, { recursive: true, mode: DIR_MODE });
  },
  readdir: (path) => fs.promises.readdir(path),
  rename: (from, to) => fs.promises.rename(from, to),
  link: (existing, to) => fs.promises.link(existing, to),
  unlink: (path) => fs.promises.unlink(path),
  rmdir: (path) => fs.promises.rmdir(path),
  size: async (path) => (await fs.promises.stat(path)).size,
  sizeSync: (path) => fs.statSync(path).size,
};

/** Writes all of `buf[offset, offset + length)` at `position`, looping over short writes. */
export async function writeFully(fsi: SpoolFs, fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const n = await fsi.write(fd, buf, offset + done, length - done, position + done);
    if (n <= 0) throw Object.assign(new Error("write returned 0 bytes"), { code: "EIO" });
    done += n;
  }
}

export function writeFullySync(fsi: SpoolFs, fd: number, buf: Buffer, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = fsi.writeSync(fd, buf, offset + done, length - done, position + done);
    if (n <= 0) throw Object.assign(new Error("write returned 0 bytes"), { code: "EIO" });
    done += n;
  }
}
