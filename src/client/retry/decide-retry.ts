/**
 * The retry decision, as a pure function of the facts (no clock, no randomness, no I/O): the
 * control-call loop and the delivery core both ask it, so "retry or not, and when" has one
 * definition and one table test.
 */
import { backoffDelay, retryAfterOf, type BackoffOptions } from "./backoff.ts";

export interface RetryFacts {
  /** The failure. Only an error marked `retryable: true` is retried. */
  error: unknown;
  /** Retries already made: 0 when the first attempt just failed. */
  attempt: number;
  /** Retries allowed after the first attempt; `null`: no limit. */
  maxRetries: number | null;
  /** Random in [0, 1) for the backoff's full jitter. */
  jitter: number;
  backoff?: Omit<BackoffOptions, "random">;
  /** Time already spent waiting between this request's attempts, in ms. @default 0 */
  waitedMs?: number;
  /** Most time all the waits of one request may add up to, in ms. @default Infinity */
  waitBudgetMs?: number;
  /** Epoch ms. */
  now: number;
}

export type GiveUpReason =
  /** Not retryable: the same request would fail the same way. */
  | "permanent"
  /** `maxRetries` retries were made already. */
  | "retries_exhausted"
  /** The next wait (backoff, or the server's `Retry-After`) would go past the wait budget. */
  | "budget_exhausted";

export type RetryDecision =
  | { retry: false; reason: GiveUpReason }
  /** Retry at `at` (backoff, never before `Retry-After`); nobody may send before `notBefore` (`Retry-After` alone). */
  | { retry: true; at: number; notBefore: number };

export function decideRetry(facts: RetryFacts): RetryDecision {
  if (!isRetryable(facts.error)) return { retry: false, reason: "permanent" };
  if (facts.maxRetries !== null && facts.attempt >= facts.maxRetries) return { retry: false, reason: "retries_exhausted" };
  const floor = retryAfterOf(facts.error) ?? 0;
  const wait = Math.max(floor, backoffDelay(facts.attempt, { ...facts.backoff, random: () => facts.jitter }));
  if ((facts.waitedMs ?? 0) + wait > (facts.waitBudgetMs ?? Infinity)) return { retry: false, reason: "budget_exhausted" };
  return { retry: true, at: facts.now + wait, notBefore: facts.now + floor };
}

function isRetryable(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === true;
}
