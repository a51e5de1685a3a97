/**
 * The retry loop of control calls (experiments, folders, status, queries). Ingest calls do not
 * come here: the delivery core retries them itself so its queue accounting stays exact.
 */
import { SyvainApiError, SyvainError } from "../api/errors.ts";
import { retryDelay } from "./retry/backoff.ts";

/** Control calls are interactive: short waits (caps 250 ms, 500 ms, 1 s, …). */
const CONTROL_BACKOFF = { baseMs: 250, maxMs: 5_000 } as const;
/**
 * A server asking for a longer wait than this (`Retry-After`) gets its error back at once
 * rather than a silently blocked caller; the error is still `retryable` for callers with more patience.
 */
const MAX_CONTROL_WAIT_MS = 60_000;

export interface RetryPolicy {
  retries: number;
  random: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal | undefined;
}

/** Runs `attempt` once, then up to `retries` more times after retryable failures. */
export async function withRetries<T>(attempt: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof SyvainError) || !error.retryable || retry >= policy.retries) throw error;
      const wait = retryDelay(error, retry, { ...CONTROL_BACKOFF, random: policy.random });
      if (wait > MAX_CONTROL_WAIT_MS) throw error;
      try {
        await policy.sleep(wait, policy.signal);
      } catch {
        throw new SyvainApiError("shutdown", `retry abandoned: aborted by the caller while waiting (last error: ${error.message})`, {
          cause: error,
          ...(error instanceof SyvainApiError && error.request !== undefined ? { request: error.request } : {}),
        });
      }
    }
  }
}
