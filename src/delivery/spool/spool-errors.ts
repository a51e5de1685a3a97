/**
 * Typed spool errors. The engine never throws from `append()`: an I/O failure becomes one of these,
 * reported once through `onError` and kept as `Spool.lastError`, and the spool switches to memory
 * fallback. Messages name the operation, path and errno; they never contain payload bytes (which
 * could hold anything the caller put there).
 */
export type SpoolErrorCode =
  /** A file operation failed (ENOSPC, EIO, EACCES, ...); see `errno`. */
  | "io"
  /** FORMAT or a segment has a version this code does not read; the files are left untouched. */
  | "unsupported_format"
  /** A payload could not be serialised or is larger than the record limit; the record is skipped. */
  | "bad_record"
  /** `maxBytes` is reached: appends are refused (and counted) until acknowledged records free room. Reported at the first refusal of each spell, at most once a minute. */
  | "full"
  /** An option has an invalid value. */
  | "invalid_option"
  /** The spool was closed. */
  | "closed";

export class SpoolError extends Error {
  readonly code: SpoolErrorCode;
  /** e.g. "write", "fdatasync", "mkdir"; for `io` errors. */
  readonly op: string | undefined;
  readonly path: string | undefined;
  /** e.g. "ENOSPC". */
  readonly errno: string | undefined;

  constructor(code: SpoolErrorCode, message: string, details: { op?: string; path?: string; errno?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "SpoolError";
    this.code = code;
    this.op = details.op;
    this.path = details.path;
    this.errno = details.errno;
  }
}

/** Wraps a failed file call; keeps errno so callers can tell "disk full" from "permission denied". */
export function ioError(op: string, path: string, cause: unknown): SpoolError {
  const errno = typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : "EUNKNOWN";
  return new SpoolError("io", `spool ${op} failed on ${path}: ${errno}`, { op, path, errno, cause });
}

export function asSpoolError(error: unknown, op: string, where: string): SpoolError {
  return error instanceof SpoolError ? error : ioError(op, where, error);
}

export function closedError(): SpoolError {
  return new SpoolError("closed", "spool is closed");
}
