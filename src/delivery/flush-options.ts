/** Arguments of `flush()`, `flushOrRaise()` and `close()`, validated like every other option. */
import { z } from "zod";
import { parseOptions } from "../config/parse-options.ts";

export interface FlushOptions {
  /** Extra rounds for what fails retryably, after the first. Its own budget, not `maxRetries`. @default 0 */
  retries?: number;
  /**
   * Bound on the whole flush, waits for `Retry-After` included. A negative value (a deadline
   * computed by the caller that has already passed) means "do not wait". @default no bound
   */
  timeoutSeconds?: number;
}

const flushOptionsSchema = z.object({
  retries: z.number().int().min(0).max(1000).default(0),
  timeoutSeconds: z
    .number()
    .max(Number.MAX_SAFE_INTEGER / 1000)
    .transform((seconds) => Math.max(0, seconds))
    .optional(),
});

export function parseFlushOptions(options: FlushOptions | undefined, owner: string): { retries: number; timeoutSeconds?: number | undefined } {
  return parseOptions(flushOptionsSchema, options ?? {}, { owner, code: "invalid_argument" });
}
