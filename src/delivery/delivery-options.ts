/**
 * The delivery options of one outbox (Python SDK names, camelCased), validated once. The facade
 * composes `deliveryOptionsSchema` into its own options schema; the exporters reuse it as is.
 */
import { z } from "zod";
import { parseOptions } from "../config/parse-options.ts";
import { apiLimits } from "../api/contract.ts";
import { deliveryDefaults as d } from "../config/defaults.ts";
import type { DeliveryOptions } from "./delivery-types.ts";

export const deliveryOptionsSchema = z.object({
  // The cap keeps the timer under Node's 2^31 - 1 ms setTimeout limit (beyond it, it fires at once).
  flushDelaySeconds: z.number().min(0).max(2_000_000).default(d.flushDelaySeconds.default),
  maxQueueItems: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(d.maxQueueItems.default),
  maxBatchItems: z.number().int().min(1).max(apiLimits.maxIngestItems).default(d.maxBatchItems.default),
  maxRetries: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().default(d.maxRetries.default),
  maxConcurrentRequests: z.number().int().min(1).max(16).default(d.maxConcurrentRequests.default),
});

export type ResolvedDeliveryOptions = Required<DeliveryOptions>;

/** Fills defaults and rejects bad values with a `SyvainValidationError` naming the option. */
export function resolveDeliveryOptions(options: DeliveryOptions | undefined, owner: string): ResolvedDeliveryOptions {
  return parseOptions(deliveryOptionsSchema, options ?? {}, { owner });
}
