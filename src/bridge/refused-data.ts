/**
 * What the bridge does with events Syvain refused after the bridge answered 200 for them. Its
 * journals keep failed events on disk so a later bridge (or `syvain-otel sync`) retries them: right
 * when the refusal is about who sends (401/403: a fixed key delivers them) or a server that gave up,
 * wrong when it is about the data itself (422/400: invalid; 413 for one event: too large). Every
 * later bridge would resend those forever, so they are acknowledged (let go) and logged, once per
 * batch, at error level as `spool.refused_data`.
 */
import { SyvainApiError, type SyvainError } from "../api/errors.ts";
import type { DeliveryRequest } from "../delivery/delivery-request.ts";
import type { BridgeLog } from "./bridge-log.ts";

/** Whether Syvain refused the events themselves, for good: resending the same events cannot succeed. */
export function isDataRefusal(request: DeliveryRequest, reason: SyvainError | undefined): boolean {
  if (!(reason instanceof SyvainApiError) || request.kind === "status") return false;
  // An Idempotency-Key reused with another body is about the request, not the events: a replay sends them under a new key.
  if (reason.serverCode === "idempotency_key_reused") return false;
  if (reason.status === 400 || reason.status === 422) return true;
  // A larger batch is split by the outbox; one event alone too large stays too large.
  return reason.status === 413 && request.items.length === 1;
}

/** The bridge journals' `keepFailed`: keep on disk unless the data was refused, which is logged instead. */
export function keepUnlessDataRefused(log: BridgeLog, slug: string): (request: DeliveryRequest, reason: SyvainError | undefined) => boolean {
  return (request, reason) => {
    if (!isDataRefusal(request, reason) || request.kind === "status") return true;
    const refusal = reason as SyvainApiError;
    log({
      level: "error",
      event: "spool.refused_data",
      slug,
      kind: request.kind,
      count: request.items.length,
      status: refusal.status,
      ...(refusal.serverCode === undefined ? {} : { serverCode: refusal.serverCode }),
      reason: refusal.message,
      ...(refusal.details === undefined ? {} : { details: refusal.details.slice(0, 5) }),
      outcome: "acknowledged: not kept for a later bridge or sync",
    });
    return false;
  };
}
