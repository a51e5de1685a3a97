/**
 * A SpoolFs over the real one on a disk of `capacity` bytes, as a small tmpfs is: the files under
 * `root` take room, and so does a deleted file still open (its room comes back at its last close,
 * as on a real disk). A write that does not fit writes what fits and fails with ENOSPC; a new file
 * whose data does not fit is created empty and fails (`writeFileExclusive`, as the kernel leaves
 * it). Directories, renames and links take no room (as on tmpfs). `fillUp()` makes the disk full.
 */
import fs from "node:fs";
import path from "node:path";
import { nodeSpoolFs, type SpoolFs } from "../../../src/delivery/spool/index.ts";

function enospc(what: string): Error {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${what}`), { code: "ENOSPC" });
}

export class SmallDiskFs implements SpoolFs {
  capacity = Number.POSITIVE_INFINITY;
  readonly #root: string;
  /** Open descriptors and their files. */
  readonly #open = new Map<number, string>();
  /** Descriptors of files deleted while open: their room is still taken. */
  readonly #deletedOpen = new Set<number>();

  constructor(root: string) {
    this.#root = root;
  }

  /** Bytes taken: the files under the root, and the deleted files still open. */
  used(): number {
    let bytes = 0;
    for (const name of fs.readdirSync(this.#root, { recursive: true }).map(String)) {
      const stat = fs.statSync(path.join(this.#root, name), { throwIfNoEntry: false });
      if (stat?.isFile() === true) bytes += stat.size;
    }
    for (const fd of this.#deletedOpen) bytes += fs.fstatSync(fd).size;
    return bytes;
  }

  /** What `statfs` would say: the room left, or unknown while the capacity is unbounded. */
  freeBytes(): Promise<number | undefined> {
    return Promise.resolve(this.capacity === Number.POSITIVE_INFINITY ? undefined : Math.max(0, this.capacity - this.used()));
  }

  /** No room left: the disk holds exactly what it holds now. */
  fillUp(): void {
    this.capacity = this.used();
  }

  /** How many of `length` bytes written at `position` of `fd` fit (only growth takes room); none: ENOSPC. */
  #fits(fd: number, length: number, position: number): number {
    const size = fs.fstatSync(fd).size;
    const growth = Math.max(0, position + length - size);
    const room = Math.max(0, this.capacity - this.used());
    const n = growth <= room ? length : Math.max(0, size + room - position);
    if (n === 0 && length > 0) throw enospc(`write ${this.#open.get(fd) ?? fd}`);
    return n;
  }

  #opened(fd: number, file: string): number {
    this.#open.set(fd, file);
    return fd;
  }

  #closed(fd: number): void {
    this.#open.delete(fd);
    this.#deletedOpen.delete(fd);
  }

  open = async (p: string, flags: string) => this.#opened(await nodeSpoolFs.open(p, flags), p);
  openSync = (p: string, flags: string) => this.#opened(nodeSpoolFs.openSync(p, flags), p);
  write = async (fd: number, buf: Buffer, offset: number, length: number, position: number) => nodeSpoolFs.write(fd, buf, offset, this.#fits(fd, length, position), position);
  writeSync = (fd: number, buf: Buffer, offset: number, length: number, position: number) => nodeSpoolFs.writeSync(fd, buf, offset, this.#fits(fd, length, position), position);
  ftruncate = (fd: number, length: number) => nodeSpoolFs.ftruncate(fd, length);
  fdatasync = (fd: number) => nodeSpoolFs.fdatasync(fd);
  fdatasyncSync = (fd: number) => nodeSpoolFs.fdatasyncSync(fd);
  close = async (fd: number) => {
    await nodeSpoolFs.close(fd);
    this.#closed(fd);
  };
  closeSync = (fd: number) => {
    nodeSpoolFs.closeSync(fd);
    this.#closed(fd);
  };
  syncDir = (p: string) => nodeSpoolFs.syncDir(p);
  readFile = (p: string) => nodeSpoolFs.readFile(p);
  readHead = (p: string, n: number) => nodeSpoolFs.readHead(p, n);
  readAt = (p: string, at: number, n: number) => nodeSpoolFs.readAt(p, at, n);
  writeFileExclusive = async (p: string, data: string | Buffer) => {
    if (Buffer.byteLength(data) > this.capacity - this.used()) {
      fs.closeSync(fs.openSync(p, "wx", 0o600));
      throw enospc(`write ${p}`);
    }
    await nodeSpoolFs.writeFileExclusive(p, data);
  };
  mkdir = (p: string) => nodeSpoolFs.mkdir(p);
  readdir = (p: string) => nodeSpoolFs.readdir(p);
  rename = (a: string, b: string) => nodeSpoolFs.rename(a, b);
  link = (a: string, b: string) => nodeSpoolFs.link(a, b);
  unlink = async (p: string) => {
    await nodeSpoolFs.unlink(p);
    for (const [fd, file] of this.#open) if (file === p) this.#deletedOpen.add(fd);
  };
  rmdir = (p: string) => nodeSpoolFs.rmdir(p);
  size = (p: string) => nodeSpoolFs.size(p);
  sizeSync = (p: string) => nodeSpoolFs.sizeSync(p);
}
