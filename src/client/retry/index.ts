// Pure retry policy shared by the API client (control calls) and the delivery core (ingest).
export { isRetryableStatus } from "./retryable-status.ts";
export { parseRetryAfter } from "./retry-after.ts";
export { backoffDelay, retryAfterOf, retryDelay } from "./backoff.ts";
export type { BackoffOptions } from "./backoff.ts";
export { decideRetry } from "./decide-retry.ts";
export type { GiveUpReason, RetryDecision, RetryFacts } from "./decide-retry.ts";
export { classifyNetworkError } from "./network-errors.ts";
export type { NetworkErrorKind } from "./network-errors.ts";
export { sleep } from "./sleep.ts";
