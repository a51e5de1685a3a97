/**
 * Exponential backoff with **full jitter** (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): the wait is uniform in [0, min(maxMs, baseMs · 2^attempt)], so clients that failed
 * together do not retry together. `Retry-After` is a floor on top of it, never a replacement.
 */
export interface BackoffOptions {
  /** Cap of the first retry's wait (attempt 0). @default 500 */
  baseMs?: number;
  /** Cap of any wait. @default 30000 */
  maxMs?: number;
  /** Random in [0, 1). @default Math.random */
  random?: () => number;
}

const DEFAULT_BACKOFF = { baseMs: 500, maxMs: 30_000 } as const;

/** The wait before retry number `attempt` (0 = the first retry), in ms. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const baseMs = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const random = options.random ?? Math.random;
  // 2 ** 1100 is Infinity; min() keeps the cap finite.
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(r * cap);
}

/**
 * The wait before retrying after `error`: the jittered backoff, but never less than the server's
 * `Retry-After` when the error carries one (`retryAfterMs`, as on `SyvainApiError`).
 */
export function retryDelay(error: unknown, attempt: number, options: BackoffOptions = {}): number {
  const backoff = backoffDelay(attempt, options);
  const floor = retryAfterOf(error);
  return floor === undefined ? backoff : Math.max(backoff, floor);
}

/** The server's minimum wait carried by `error` (`retryAfterMs`, as on `SyvainApiError`), when valid. */
export function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}
