/** Shared helpers for the spool tests: temp dirs, simulated dead writers, draining the backlog. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openSpool, type Spool, type SpoolOptions } from "../../../src/delivery/spool/index.ts";
import type { BacklogRecord } from "../../../src/delivery/spool/index.ts";

export function tmpSpoolDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "spool-test-"));
}

/**
 * Makes a writer directory look like a dead process's: its LOCK gets another boot id, which is
 * what a reboot leaves behind (the real process is this test process and is alive).
 */
export function markDead(writerDir: string): void {
  const lockPath = path.join(writerDir, "LOCK");
  const lock = JSON.parse(fs.readFileSync(lockPath, "utf8")) as Record<string, unknown>;
  fs.writeFileSync(lockPath, JSON.stringify({ ...lock, bootId: "00000000-dead-boot" }));
}

/**
 * Makes a writer directory's LOCK name another machine, as a process killed there leaves it (not
 * released): what a part copied off that machine holds. Another machine has its own kernel, so its
 * own boot id (the same boot id under another hostname is another container of this machine:
 * `markOtherContainer`).
 */
export function markOtherMachine(writerDir: string, machine: string): void {
  rewriteLock(writerDir, ({ released: _released, ...lock }) => ({ ...lock, host: machine, bootId: `boot-of-${machine}` }));
}

/**
 * Makes a writer directory's LOCK name another hostname on this kernel (boot id kept), as a
 * process in another container of this machine, sharing the volume, writes it.
 */
export function markOtherContainer(writerDir: string, hostname: string): void {
  rewriteLock(writerDir, (lock) => ({ ...lock, host: hostname }));
}

/** Rewrites a LOCK whole (tmp + rename, as a reader must never see half of one). */
export function rewriteLock(writerDir: string, change: (lock: Record<string, unknown>) => Record<string, unknown>): void {
  const lockPath = path.join(writerDir, "LOCK");
  fs.writeFileSync(`${lockPath}.test`, JSON.stringify(change(JSON.parse(fs.readFileSync(lockPath, "utf8")) as Record<string, unknown>)));
  fs.renameSync(`${lockPath}.test`, lockPath);
}

export async function drain(spool: Spool): Promise<BacklogRecord[]> {
  const records: BacklogRecord[] = [];
  for await (const record of spool.backlog()) records.push(record);
  return records;
}

export function jsonOf(record: BacklogRecord): unknown {
  return JSON.parse(record.payload.toString("utf8"));
}

/** Writes `values` with one spool, closes it without acking, marks it dead; returns its dir. */
export async function writeOrphan(dir: string, values: readonly unknown[], options: Partial<SpoolOptions> = {}): Promise<string> {
  const spool = await openSpool({ dir, syncIntervalMs: 0, ...options });
  for (const value of values) spool.append(1, value);
  await spool.close();
  markDead(spool.dir);
  return spool.dir;
}

/** Opens a fresh spool on `dir`, adopts every orphan and returns it with the backlog. */
export async function adoptAll(dir: string, options: Partial<SpoolOptions> = {}): Promise<{ spool: Spool; records: BacklogRecord[] }> {
  const spool = await openSpool({ dir, syncIntervalMs: 0, ...options });
  await spool.adoptOrphans();
  return { spool, records: await drain(spool) };
}

export function segmentFiles(writerDir: string): string[] {
  return fs.readdirSync(writerDir).filter((f) => f.endsWith(".seg")).sort();
}

/** The writer directories (`w-...`) anywhere under `dir`, adopted ones included; none when it does not exist. */
export function writerDirs(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => path.basename(f).startsWith("w-"));
}
