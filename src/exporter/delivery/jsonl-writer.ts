/**
 * An append-only JSONL file shared by the experiments of a `JsonlCollector`: `append()` buffers
 * one JSON object per line (synchronous, no I/O), `sync()` writes the buffer and fsyncs. Parent
 * folders are created, and the file opened, at once, so a bad path fails at construction rather
 * than at the first flush. Large buffers are written in the background; a write error is kept
 * and reported by the next `sync()`.
 */
import { closeSync, fsync, mkdirSync, openSync, write } from "node:fs";
import { dirname, resolve } from "node:path";
import { promisify } from "node:util";
import { SyvainError, SyvainValidationError } from "../../errors.ts";

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
  let chain: Promise<void> = Promise.resolve();
  let writeError: SyvainError | undefined;
  let closed: Promise<void> | undefined;

  const writeBuffered = async (): Promise<void> => {
    if (lines.length === 0) return;
    const data = Buffer.from(lines.join(""), "utf8");
    lines = [];
    chars = 0;
    for (let offset = 0; offset < data.length; ) {
      const { bytesWritten } = await writeAsync(fd, data, offset, data.length - offset, null);
      offset += bytesWritten;
    }
  };
  const enqueue = (step: () => Promise<void>): Promise<void> => {
    const next = chain.then(step).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      writeError ??= new SyvainError("config", `JSONL output: cannot write ${JSON.stringify(path)}: ${reason}`, { cause: error });
    });
    chain = next;
    return next;
  };
  const sync = async (): Promise<void> => {
    await enqueue(async () => {
      await writeBuffered();
      await fsyncAsync(fd);
    });
    if (writeError) {
      const error = writeError;
      writeError = undefined;
      throw error;
    }
  };

  return {
    path: absolute,
    append(record: JsonlRecord): void {
      if (closed) throw new SyvainError("shutdown", `JSONL output ${JSON.stringify(path)} is closed`);
      const line = `${JSON.stringify(record)}\n`;
      lines.push(line);
      chars += line.length;
      if (chars >= WRITE_BEHIND_CHARS) void enqueue(writeBuffered);
    },
    // After close everything appended was synced by close itself.
    sync: () => closed ?? sync(),
    close(): Promise<void> {
      closed ??= sync().finally(() => closeSync(fd));
      return closed;
    },
  };
}
