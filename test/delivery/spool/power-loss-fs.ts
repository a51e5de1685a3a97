/**
 * A SpoolFs over the real one that models what a power loss keeps: per file, only the bytes it
 * had when an fdatasync of it *completed* (its size taken when the fdatasync was called), and only
 * files whose directory entry was made durable by a directory fsync that completed after they were
 * created. `powerLossCopy(to)` writes that state of the spool directory to another directory, at
 * one instant (synchronously), while the spool goes on running. Files the engine writes only through
 * `writeFileExclusive` (LOCK, FORMAT: written and synced in one call) are copied whole.
 */
import fs from "node:fs";
import path from "node:path";
import { nodeSpoolFs, type SpoolFs } from "../../../src/delivery/spool/index.ts";

interface Tracked {
  /** Bytes an fdatasync made durable. */
  durableBytes: number;
  /** Whether a completed directory fsync covers its creation (files opened, not created, are). */
  linked: boolean;
}

export class PowerLossFs {
  readonly #root: string;
  readonly #files = new Map<string, Tracked>();
  readonly #fdPaths = new Map<number, string>();
  /** Per directory, files created since its last directory fsync began. */
  readonly #unlinked = new Map<string, Set<string>>();
  /** The file calls to give the spool (`openSpool({ fs })`): the real ones, observed. */
  readonly fs: SpoolFs;

  constructor(root: string) {
    this.#root = root;
    const { open, fdatasync, fdatasyncSync, syncDir } = this;
    this.fs = { ...nodeSpoolFs, open, fdatasync, fdatasyncSync, syncDir };
  }

  readonly open = async (p: string, flags: string): Promise<number> => {
    const fd = await nodeSpoolFs.open(p, flags);
    this.#fdPaths.set(fd, p);
    const created = flags.includes("x");
    const known = this.#files.get(p);
    if (known === undefined) this.#files.set(p, { durableBytes: created ? 0 : fs.fstatSync(fd).size, linked: !created });
    if (created) {
      const dir = path.dirname(p);
      this.#unlinked.set(dir, (this.#unlinked.get(dir) ?? new Set()).add(p));
    }
    return fd;
  };

  readonly fdatasync = async (fd: number): Promise<void> => {
    const size = fs.fstatSync(fd).size;
    await nodeSpoolFs.fdatasync(fd);
    this.#synced(fd, size);
  };

  readonly fdatasyncSync = (fd: number): void => {
    const size = fs.fstatSync(fd).size;
    nodeSpoolFs.fdatasyncSync(fd);
    this.#synced(fd, size);
  };

  readonly syncDir = async (p: string): Promise<void> => {
    const covered = [...(this.#unlinked.get(p) ?? [])];
    this.#unlinked.delete(p);
    await nodeSpoolFs.syncDir(p);
    for (const file of covered) {
      const tracked = this.#files.get(file);
      if (tracked) tracked.linked = true;
    }
  };

  /** The spool directory as a power loss now would leave it, written under `to`. Synchronous: one instant. */
  powerLossCopy(to: string): { filesCut: number; filesDropped: number; bytesLost: number } {
    const outcome = { filesCut: 0, filesDropped: 0, bytesLost: 0 };
    for (const entry of fs.readdirSync(this.#root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const from = path.join(entry.parentPath, entry.name);
      const target = path.join(to, path.relative(this.#root, from));
      const content = fs.readFileSync(from);
      const tracked = this.#files.get(from);
      if (tracked !== undefined && !tracked.linked) {
        outcome.filesDropped++;
        outcome.bytesLost += content.length;
        continue;
      }
      const kept = tracked === undefined ? content : content.subarray(0, tracked.durableBytes);
      if (kept.length < content.length) outcome.filesCut++;
      outcome.bytesLost += content.length - kept.length;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, kept);
    }
    return outcome;
  }

  #synced(fd: number, size: number): void {
    const p = this.#fdPaths.get(fd);
    const tracked = p === undefined ? undefined : this.#files.get(p);
    if (tracked) tracked.durableBytes = Math.max(tracked.durableBytes, size);
  }
}
