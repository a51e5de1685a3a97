/**
 * Typed errors with a stable `code`. Callers branch on `code` (or `instanceof`), never on message
 * text. Messages name the offending field and value; they never contain an API key.
 */
import type { ServerErrorCode, ValidationDetail } from "./contract.ts";

export type SyvainErrorCode =
  // HTTP outcomes of the Syvain API
  | "auth"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "validation"
  | "payload_too_large"
  | "rate_limited"
  | "server"
  // transport
  | "network"
  | "timeout"
  | "invalid_response"
  | "redirect"
  // local
  | "config"
  | "invalid_argument"
  | "queue_overflow"
  | "shutdown"
  | "delivery_incomplete"
  // a file this package writes could not be written (a JSONL output, the offline spool: a full disk, a file-size limit)
  | "io"
  // a bug: ours, or in a part plugged into us (a sink, a slug resolver); never the caller's data
  | "internal";

const brand = Symbol.for("syvain-metrics-otel.error");

export interface SyvainErrorOptions {
  cause?: unknown;
  /** Whether retrying the same request may succeed. */
  retryable?: boolean;
}

export class SyvainError extends Error {
  readonly code: SyvainErrorCode;
  readonly retryable: boolean;

  constructor(code: SyvainErrorCode, message: string, options: SyvainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SyvainError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    Object.defineProperty(this, brand, { value: true });
  }

  // Survives duplicate installs of the package (two copies of this class in one process).
  static override [Symbol.hasInstance](instance: unknown): boolean {
    return typeof instance === "object" && instance !== null && (instance as Record<symbol, unknown>)[brand] === true
      && (this === SyvainError || Function.prototype[Symbol.hasInstance].call(this, instance));
  }
}

export interface SyvainApiErrorOptions extends SyvainErrorOptions {
  /** HTTP status, when the server answered. */
  status?: number;
  /** The server's `error.code`, when it sent one. */
  serverCode?: ServerErrorCode | (string & {});
  /** Server-imposed minimum wait before a retry (`Retry-After`), in ms. */
  retryAfterMs?: number;
  details?: ValidationDetail[];
  /** On 409 `experiment_exists`: the existing experiment's id. */
  experimentId?: string;
  /** `METHOD /path` of the failed request (no host, no query string). */
  request?: string;
}

/** An API call that failed: an HTTP error status, a network error, a timeout or a bad response. */
export class SyvainApiError extends SyvainError {
  readonly status: number | undefined;
  readonly serverCode: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly details: ValidationDetail[] | undefined;
  readonly experimentId: string | undefined;
  readonly request: string | undefined;

  constructor(code: SyvainErrorCode, message: string, options: SyvainApiErrorOptions = {}) {
    super(code, message, options);
    this.name = "SyvainApiError";
    this.status = options.status;
    this.serverCode = options.serverCode;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
    this.experimentId = options.experimentId;
    this.request = options.request;
  }
}

/**
 * `thrown` when it is already a `SyvainError`; anything else reached us by a path that should
 * only ever carry `SyvainError`s, so it is a bug, reported as `internal` with the original as
 * `cause`. Not retryable here (the same call hits the same bug), but a receiver such as the
 * bridge tells its sender to retry later rather than drop the data as invalid.
 */
export function wrapUnexpected(thrown: unknown, context: string): SyvainError {
  if (thrown instanceof SyvainError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new SyvainError("internal", `${context}: unexpected internal error: ${message}`, { cause: thrown });
}

/**
 * A bad argument or option: names the field and shows the value (never a secret). `code` tells a
 * bad call argument (`invalid_argument`) from a bad setup (`config`); one class, so `instanceof`
 * and `name` are the same for both.
 */
export class SyvainValidationError extends SyvainError {
  readonly field: string;
  readonly value: unknown;

  constructor(field: string, value: unknown, message: string, code: "invalid_argument" | "config" = "invalid_argument") {
    super(code, message);
    this.name = "SyvainValidationError";
    this.field = field;
    this.value = value;
  }
}
