/**
 * The retry loop of control calls (experiments, folders, status, queries). Ingest calls do not
 * come here: the delivery core retries them itself so its queue accounting stays exact.
 *
 * Retry budget: at most `1 + retries` attempts, each bounded by the call's timeout, and at most
 * `CONTROL_WAIT_BUDGET_MS` of waiting between them in total (backoff, or a server's
 * `Retry-After`). With the defaults (timeout 10 s, 3 retries) a control call settles within
 * ~30 s when Syvain refuses connections and within 4 × 10 s + 30 s = 70 s when it hangs.
 */
import { SyvainApiError, SyvainError } from "../api/errors.ts";
import { decideRetry } from "./retry/decide-retry.ts";

/** Control calls are interactive: short waits (caps 250 ms, 500 ms, 1 s, …). */
const CONTROL_BACKOFF = { baseMs: 250, maxMs: 5_000 } as const;
/**
 * Total wait between the attempts of one control call. A server asking for more (`Retry-After`)
 * gets its error back at once rather than a silently blocked caller; the error is still
 * `retryable` for callers with more patience.
 */
export const CONTROL_WAIT_BUDGET_MS = 30_000;

export interface RetryPolicy {
  retries: number;
  random: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal | undefined;
}

/** Runs `attempt` once, then up to `retries` more times after retryable failures, within the wait budget. */
export async function withRetries<T>(attempt: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  let waitedMs = 0;
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof SyvainError)) throw error;
      const decision = decideRetry({
        error,
        attempt: retry,
        maxRetries: policy.retries,
        jitter: policy.random(),
        backoff: CONTROL_BACKOFF,
        waitedMs,
        waitBudgetMs: CONTROL_WAIT_BUDGET_MS,
        now: 0,
      });
      if (!decision.retry) throw error;
      // `now: 0` makes `at` the wait itself: the budget counts planned waits, not a clock.
      waitedMs += decision.at;
      try {
        await policy.sleep(decision.at, policy.signal);
      } catch {
        throw new SyvainApiError("shutdown", `retry abandoned: aborted by the caller while waiting (last error: ${error.message})`, {
          cause: error,
          ...(error instanceof SyvainApiError && error.request !== undefined ? { request: error.request } : {}),
        });
      }
    }
  }
}
