/**
 * Read-only inventory of a spool directory for a `sync` command (`--dry-run`): which writer
 * directories exist, whose process is alive, how many bytes they hold. Reads LOCK files and
 * segment headers only; changes nothing.
 */
import path from "node:path";
import { describeWriterDir, listWriterDirs } from "./adopt.ts";
import { currentIdentity, type Liveness, type OwnerIdentity } from "./process-identity.ts";
import { ADOPTED_DIR, CORRUPT_DIR, FORMAT_FILE, SPOOL_FORMAT } from "./spool-layout.ts";
import { nodeSpoolFs, type SpoolFs } from "./spool-fs.ts";

export interface ScannedWriter {
  name: string;
  path: string;
  owner: OwnerIdentity | undefined;
  liveness: Liveness | "unknown";
  /** Segment files, including those of orphans this writer adopted. */
  segments: number;
  /** Bytes of segments and acks files, including adopted orphans'. */
  bytes: number;
  unsupportedSegments: string[];
}

export interface SpoolScan {
  /** `undefined`: no FORMAT file (an empty or new spool directory). */
  format: number | "unreadable" | undefined;
  /** False if FORMAT names a version this code does not read. */
  supported: boolean;
  writers: ScannedWriter[];
  corruptFiles: number;
}

export async function scanSpool(dir: string, fsi: SpoolFs = nodeSpoolFs): Promise<SpoolScan> {
  const me = currentIdentity();
  const format = await readFormat(fsi, dir);
  const writers: ScannedWriter[] = [];
  for (const name of await listWriterDirs(fsi, dir).catch(() => [] as string[])) {
    const info = await describeWriterDir(fsi, dir, name, me);
    const usage = await diskUsage(fsi, info.path);
    writers.push({ ...info, ...usage });
  }
  const corruptFiles = (await fsi.readdir(path.join(dir, CORRUPT_DIR)).catch(() => [] as string[])).length;
  return { format, supported: format === undefined || format === SPOOL_FORMAT, writers, corruptFiles };
}

export async function readFormat(fsi: SpoolFs, dir: string): Promise<number | "unreadable" | undefined> {
  let text: string;
  try {
    text = (await fsi.readFile(path.join(dir, FORMAT_FILE))).toString("utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? undefined : "unreadable";
  }
  try {
    const value = JSON.parse(text) as { format?: unknown };
    return typeof value.format === "number" ? value.format : "unreadable";
  } catch {
    return "unreadable";
  }
}

async function diskUsage(fsi: SpoolFs, dir: string): Promise<{ segments: number; bytes: number }> {
  let segments = 0;
  let bytes = 0;
  for (const file of await fsi.readdir(dir).catch(() => [] as string[])) {
    const full = path.join(dir, file);
    if (file === ADOPTED_DIR) {
      for (const nested of await fsi.readdir(full).catch(() => [] as string[])) {
        const usage = await diskUsage(fsi, path.join(full, nested));
        segments += usage.segments;
        bytes += usage.bytes;
      }
    } else if (file.endsWith(".seg") || file === "acks") {
      if (file.endsWith(".seg")) segments++;
      bytes += await fsi.size(full).catch(() => 0);
    }
  }
  return { segments, bytes };
}
