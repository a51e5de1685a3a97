/**
 * An append-only JSONL file shared by the experiments of a `JsonlCollector`. `commit(records)`
 * appends one JSON object per line and resolves once those lines are written: only then may a
 * caller count them as stored; `sync()` (a flush) fsyncs them. Commits made while a write is
 * running go together in the next one (one write for the batches of all experiments).
 *
 * A write the file cannot finish (a full disk: ENOSPC; a file-size limit: EFBIG) keeps the commits
 * it wrote wholly; the bytes it put in the file of the next one are cut off again (ftruncate), so
 * the file never ends in a torn line, and that commit and those after it reject with a retryable
 * `io` error. Their callers
 * (the outboxes) still hold the records and send them again; the writer keeps nothing back, so a
 * retry never writes a line twice. Parent folders are created, and the file opened, at once, so a
 * bad path fails at construction rather than at the first flush.
 */
import { closeSync, fstat, fsync, ftruncate, mkdirSync, openSync, writeSync } from "node:fs";
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
  /**
   * Appends the records as lines, all or none: resolves once they are written (in the file, so a
   * crash of the process keeps them; `sync()` makes them durable); rejects with a `SyvainError`
   * (`io`, retryable; `shutdown` once closed) and then none of them is in the file.
   */
  commit(records: readonly JsonlRecord[]): Promise<void>;
  /** fsyncs the file once the commits made before it are written; rejects with an `io` error. */
  sync(): Promise<void>;
  /** Syncs, then closes the file. Idempotent. */
  close(): Promise<void>;
}

const fsyncAsync = promisify(fsync);
const fstatAsync = promisify(fstat);
const ftruncateAsync = promisify(ftruncate);

/** One commit waiting for the next write: its bytes, and how it learns the outcome. */
interface Commit {
  bytes: Buffer;
  resolve: () => void;
  reject: (error: SyvainError) => void;
}

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
  /** The commits the next write takes (those made while a write runs wait for the one after it). */
  let waiting: Commit[] = [];
  let chain: Promise<void> = Promise.resolve();
  let closed: Promise<void> | undefined;
  /** A failed write's bytes could not be cut off: the next write starts on a new line. */
  let tornTail = false;

  const ioError = (error: unknown): SyvainError => {
    const reason = error instanceof Error ? error.message : String(error);
    return new SyvainError("io", `JSONL output: cannot write ${JSON.stringify(path)}: ${reason}`, { cause: error, retryable: true });
  };

  /**
   * Writes the commits at the end of the file. When a write fails partway, the commits wholly
   * written before it are kept (resolved); the bytes of the next one that did reach the file are
   * cut off, and it and those after it reject.
   */
  const writeCommits = async (commits: Commit[]): Promise<void> => {
    const head = tornTail ? Buffer.from("\n") : Buffer.alloc(0);
    const data = Buffer.concat([head, ...commits.map((commit) => commit.bytes)]);
    let offset = 0;
    let failure: unknown;
    try {
      // Synchronous, as file loggers' default is: a write to the page cache takes microseconds, and
      // an asynchronous one finishes only at the next turn of the event loop, so a loop that logs
      // thousands of events between two turns outran the file by one write per turn and filled the
      // outbox's queue (events dropped), where this writes all that is queued at once.
      while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
    } catch (error) {
      failure = error;
    }
    if (offset < head.length) return rejectAll(commits, failure);
    tornTail = false;
    let kept = 0;
    let end = head.length;
    for (const commit of commits) {
      if (end + commit.bytes.length > offset) break;
      end += commit.bytes.length;
      kept++;
    }
    if (offset > end) await cutOff(offset - end);
    commits.forEach((commit, i) => (i < kept ? commit.resolve() : commit.reject(ioError(failure))));
  };
  const rejectAll = (commits: Commit[], failure: unknown): void => {
    for (const commit of commits) commit.reject(ioError(failure));
  };
  const cutOff = async (bytes: number): Promise<void> => {
    try {
      // The file is appended to by this writer alone, so its last `bytes` are ours.
      const { size } = await fstatAsync(fd);
      await ftruncateAsync(fd, size - bytes);
    } catch {
      tornTail = true;
    }
  };

  /** fsyncs once the commits made before have been written (those that failed rejected already). */
  const sync = (): Promise<void> => {
    const synced = chain.then(() => fsyncAsync(fd)).catch((error: unknown) => {
      throw ioError(error);
    });
    chain = synced.catch(() => undefined);
    return synced;
  };

  return {
    path: absolute,
    commit(records: readonly JsonlRecord[]): Promise<void> {
      if (closed) return Promise.reject(new SyvainError("shutdown", `JSONL output ${JSON.stringify(path)} is closed`));
      // Serialised before joining the write: a record that cannot be, fails its own commit only.
      const bytes = Buffer.from(records.map((record) => `${JSON.stringify(record)}\n`).join(""), "utf8");
      return new Promise<void>((resolve, reject) => {
        if (waiting.push({ bytes, resolve, reject }) > 1) return;
        chain = chain.then(() => {
          const taken = waiting;
          waiting = [];
          return writeCommits(taken);
        });
      });
    },
    // After close, everything committed was synced by close itself.
    sync: () => closed ?? sync(),
    close(): Promise<void> {
      closed ??= sync().finally(() => closeSync(fd));
      return closed;
    },
  };
}
