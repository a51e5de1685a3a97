/**
 * An append-only JSONL file shared by the experiments of a `JsonlCollector`: `append()` buffers
 * one JSON object per line (synchronous, no I/O), `sync()` writes the buffer and fsyncs. Parent
 * folders are created, and the file opened, at once, so a bad path fails at construction rather
 * than at the first flush. Large buffers are written in the background. Bytes a write could not
 * store (a full disk) are kept and written first next time: every `sync()` fails until they are
 * stored, so no experiment sharing the file believes its lines are safe while they are not.
 */
import { closeSync, fsync, mkdirSync, openSync, write } from "node:fs";
import { dirname, resolve } from "node:path";
import { promisify } from "node:util";
import { SyvainError, SyvainValidationError } from "../api/errors.ts";

export interface JsonlRecord {
  type: "experiment" | "status" | "metric" | "annotation";
  experiment: string;
  [field: string]: unknown;
}

export interface JsonlWriter {
  readonly path: string;
  append(record: JsonlRecord): void;
  /** Writes everything appended so far and fsyncs the file. */
  sync(): Promise<void>;
  /** Syncs, then closes the file. Idempotent. */
  close(): Promise<void>;
}

const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);
/** Buffered bytes (roughly, UTF-16 units) that trigger a background write. */
const WRITE_BEHIND_CHARS = 1 << 20;

export function createJsonlWriter(path: string): JsonlWriter {
  const absolute = resolve(path);
  let fd: number;
  try {
    mkdirSync(dirname(absolute), { recursive: true });
    fd = openSync(absolute, "a");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SyvainValidationError("path", path, `JSONL output: cannot open ${JSON.stringify(path)}: ${reason}`, "config");
  }
  let lines: string[] = [];
  let chars = 0;
  /** Bytes a failed write did not store, written before anything newer. */
  let unwritten: Buffer | undefined;
  let chain: Promise<void> = Promise.resolve();
  let closed: Promise<void> | undefined;

  const writeBuffered = async (): Promise<void> => {
    const fresh = lines.length === 0 ? undefined : Buffer.from(lines.join(""), "utf8");
    lines = [];
    chars = 0;
    const data = unwritten && fresh ? Buffer.concat([unwritten, fresh]) : (unwritten ?? fresh);
    unwritten = undefined;
    if (data === undefined) return;
    let offset = 0;
    try {
      while (offset < data.length) {
        const { bytesWritten } = await writeAsync(fd, data, offset, data.length - offset, null);
        offset += bytesWritten;
      }
    } catch (error) {
      unwritten = data.subarray(offset);
      throw error;
    }
  };
  /** Runs `step` after the steps before it; rejects with an `io` error naming the file (retryable: a disk may get room again). */
  const enqueue = (step: () => Promise<void>): Promise<void> => {
    const next = chain.then(step).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SyvainError("io", `JSONL output: cannot write ${JSON.stringify(path)}: ${reason}`, { cause: error, retryable: true });
    });
    chain = next.catch(() => undefined);
    return next;
  };
  const sync = (): Promise<void> =>
    enqueue(async () => {
      await writeBuffered();
      await fsyncAsync(fd);
    });

  return {
    path: absolute,
    append(record: JsonlRecord): void {
      if (closed) throw new SyvainError("shutdown", `JSONL output ${JSON.stringify(path)} is closed`);
      const line = `${JSON.stringify(record)}\n`;
      lines.push(line);
      chars += line.length;
      // A failure here keeps the bytes for the next sync(), which reports it if it persists.
      if (chars >= WRITE_BEHIND_CHARS) enqueue(writeBuffered).catch(() => undefined);
    },
    // After close everything appended was synced by close itself.
    sync: () => closed ?? sync(),
    close(): Promise<void> {
      closed ??= sync().finally(() => closeSync(fd));
      return closed;
    },
  };
}
