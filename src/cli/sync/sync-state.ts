/**
 * The sidecar `<file>.sync-state`: how far a JSONL file is uploaded, so an interrupted sync resumes
 * and a second one sends nothing. It holds the byte offset up to which every line is settled
 * (acknowledged by the server, or refused for good and named in `failed`), the offset up to which
 * status records were applied, and the file's identity: a resumed offset is only trusted for the
 * same file (inode, and the same first bytes), which may have grown since (JSONL is append-only).
 * Written to a temporary file and renamed, so a kill leaves the old state or the new one.
 */
import { createHash } from "node:crypto";
import { open, readFile, rename, stat, writeFile } from "node:fs/promises";

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  /** How many leading bytes `headSha256` covers: at most 1 KiB, never past the settled offset. */
  headBytes: number;
  headSha256: string;
}

export interface SyncState {
  version: 1;
  file: FileIdentity;
  /** Every line before this byte offset is settled. */
  offset: number;
  /** Status records before this offset were applied. */
  statusesThrough: number;
  /** Lines refused for good (named, with why); reported again by every later sync. */
  failed: string[];
}

const HEAD_BYTES = 1024;

export function statePath(path: string): string {
  return `${path}.sync-state`;
}

async function headDigest(path: string, bytes: number): Promise<string> {
  const file = await open(path, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buffer, 0, bytes, 0);
    return createHash("sha256").update(buffer.subarray(0, bytesRead)).digest("hex");
  } finally {
    await file.close();
  }
}

/** The identity of `path` now, with the head digest over the first `min(1 KiB, settled)` bytes. */
export async function identify(path: string, settled: number): Promise<FileIdentity> {
  const s = await stat(path);
  const headBytes = Math.min(HEAD_BYTES, settled);
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, headBytes, headSha256: await headDigest(path, headBytes) };
}

export function freshState(file: FileIdentity): SyncState {
  return { version: 1, file, offset: 0, statusesThrough: 0, failed: [] };
}

export type LoadedState =
  | { kind: "none" }
  /** Same file, unchanged since: nothing to send (unless lines were torn at the end). */
  | { kind: "unchanged"; state: SyncState }
  /** Same file, maybe grown: resume at `state.offset`. */
  | { kind: "resume"; state: SyncState }
  /** A sidecar for another file (replaced, rewritten, truncated): start over, the server deduplicates. */
  | { kind: "changed"; reason: string };

export async function loadState(path: string): Promise<LoadedState> {
  let saved: SyncState;
  try {
    saved = JSON.parse(await readFile(statePath(path), "utf8")) as SyncState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "none" };
    return { kind: "changed", reason: `unreadable ${statePath(path)}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (saved.version !== 1 || typeof saved.offset !== "number" || typeof saved.file !== "object") {
    return { kind: "changed", reason: `${statePath(path)} is not a sync state this version understands` };
  }
  const now = await stat(path);
  const was = saved.file;
  if (now.dev !== was.dev || now.ino !== was.ino) return { kind: "changed", reason: "the file was replaced since the last sync" };
  if (now.size < saved.offset) return { kind: "changed", reason: "the file is shorter than at the last sync" };
  if ((await headDigest(path, was.headBytes)) !== was.headSha256) return { kind: "changed", reason: "the file's first bytes changed since the last sync" };
  const unchanged = now.size === was.size && now.mtimeMs === was.mtimeMs;
  return { kind: unchanged ? "unchanged" : "resume", state: saved };
}

export async function saveState(path: string, state: SyncState): Promise<void> {
  const target = statePath(path);
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state)}\n`);
  await rename(temporary, target);
}
