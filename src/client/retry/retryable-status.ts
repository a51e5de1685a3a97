import { RETRYABLE_STATUSES } from "../../api/contract.ts";

/**
 * Whether an HTTP status may succeed on a retry of the same request: 408, 429, 500, 502, 503, 504
 * (`RETRYABLE_STATUSES` of `src/api/contract.ts`: the OTLP/HTTP spec's list plus 408 and 500).
 * Everything else is permanent.
 */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}
