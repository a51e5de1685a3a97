/** A SpoolFs over the real one that fails chosen calls with a chosen errno, or writes short. */
import { nodeSpoolFs, type SpoolFs } from "../../../src/delivery/spool/index.ts";

export type FsOp = keyof SpoolFs;

export class FaultyFs implements SpoolFs {
  /** While set, every call of these ops fails with the errno. */
  readonly failing = new Map<FsOp, string>();
  /** Writes at most this many bytes per call. */
  shortWriteBytes = Infinity;
  readonly calls = new Map<FsOp, number>();

  #check(op: FsOp): void {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
    const errno = this.failing.get(op);
    if (errno) throw Object.assign(new Error(`${errno}: injected ${op} failure`), { code: errno });
  }

  open = async (p: string, flags: string) => (this.#check("open"), nodeSpoolFs.open(p, flags));
  openSync = (p: string, flags: string) => (this.#check("openSync"), nodeSpoolFs.openSync(p, flags));
  write = async (fd: number, buf: Buffer, offset: number, length: number, position: number) => (
    this.#check("write"), nodeSpoolFs.write(fd, buf, offset, Math.min(length, this.shortWriteBytes), position)
  );
  writeSync = (fd: number, buf: Buffer, offset: number, length: number, position: number) => (this.#check("writeSync"), nodeSpoolFs.writeSync(fd, buf, offset, length, position));
  ftruncate = async (fd: number, length: number) => (this.#check("ftruncate"), nodeSpoolFs.ftruncate(fd, length));
  fdatasync = async (fd: number) => (this.#check("fdatasync"), nodeSpoolFs.fdatasync(fd));
  fdatasyncSync = (fd: number) => (this.#check("fdatasyncSync"), nodeSpoolFs.fdatasyncSync(fd));
  close = async (fd: number) => (this.#check("close"), nodeSpoolFs.close(fd));
  closeSync = (fd: number) => (this.#check("closeSync"), nodeSpoolFs.closeSync(fd));
  syncDir = async (p: string) => (this.#check("syncDir"), nodeSpoolFs.syncDir(p));
  readFile = async (p: string) => (this.#check("readFile"), nodeSpoolFs.readFile(p));
  readHead = async (p: string, n: number) => (this.#check("readHead"), nodeSpoolFs.readHead(p, n));
  readAt = async (p: string, at: number, n: number) => (this.#check("readAt"), nodeSpoolFs.readAt(p, at, n));
  writeFileExclusive = async (p: string, d: string | Buffer) => (this.#check("writeFileExclusive"), nodeSpoolFs.writeFileExclusive(p, d));
  mkdir = async (p: string) => (this.#check("mkdir"), nodeSpoolFs.mkdir(p));
  readdir = async (p: string) => (this.#check("readdir"), nodeSpoolFs.readdir(p));
  rename = async (a: string, b: string) => (this.#check("rename"), nodeSpoolFs.rename(a, b));
  link = async (a: string, b: string) => (this.#check("link"), nodeSpoolFs.link(a, b));
  unlink = async (p: string) => (this.#check("unlink"), nodeSpoolFs.unlink(p));
  rmdir = async (p: string) => (this.#check("rmdir"), nodeSpoolFs.rmdir(p));
  size = async (p: string) => (this.#check("size"), nodeSpoolFs.size(p));
  sizeSync = (p: string) => (this.#check("sizeSync"), nodeSpoolFs.sizeSync(p));
}
