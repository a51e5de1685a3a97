/**
 * An HTTP error answer → a `SyvainApiError` with a stable `code`, the retry decision and a message
 * that says what happened and what to do. The server's own message is included (scrubbed of the
 * key, shortened), never trusted for decisions: those come from the status and `error.code`.
 */
import { errorBodySchema } from "../api/contract.ts";
import type { ErrorBody } from "../api/contract.ts";
import { SyvainApiError } from "../api/errors.ts";
import type { SyvainErrorCode } from "../api/errors.ts";
import { isRetryableStatus } from "./retry/retryable-status.ts";
import { parseRetryAfter } from "./retry/retry-after.ts";
import type { Secret } from "./redact.ts";

export interface ErrorAnswer {
  status: number;
  /** The raw `Retry-After` header, if any. */
  retryAfter: string | string[] | undefined;
  /** Up to a few KiB of the body, as text. */
  bodyText: string;
  /** `METHOD /path`. */
  request: string;
  secret: Secret;
  now?: number;
}

const MAX_SERVER_MESSAGE_CHARS = 300;

interface Outcome {
  code: SyvainErrorCode;
  what: string;
  advice: string;
}

function outcomeFor(status: number, serverCode: string | undefined): Outcome {
  if (status === 401) return { code: "auth", what: "API key rejected", advice: "check SYVAIN_METRICS_API_KEY or the `apiKey` option" };
  if (status === 403) return { code: "forbidden", what: "API key not allowed to do this", advice: "check the key's organisation and permissions" };
  if (status === 404) return { code: "not_found", what: "not found", advice: "check the id or slug, and that the host is a Syvain Metrics API" };
  if (status === 408) return { code: "timeout", what: "server timed out waiting for the request", advice: "it will be retried" };
  if (status === 409) return { code: "conflict", what: "already exists", advice: "reuse the existing experiment (see `experimentId`) or pick another slug" };
  if (status === 413) return { code: "payload_too_large", what: "request too large", advice: "send fewer items per request (≤ 1000 items, ≤ 5 MiB)" };
  if (status === 429) return { code: "rate_limited", what: "rate limited", advice: "retry after the server's Retry-After" };
  if (serverCode === "idempotency_key_reused") {
    return { code: "validation", what: "Idempotency-Key reused with a different body", advice: "use a new key for a new request; retries must resend the same body" };
  }
  if (status === 400 || status === 422) return { code: "validation", what: "request rejected as invalid", advice: "see `details` for the offending items and fields" };
  if (status >= 500) {
    const advice = isRetryableStatus(status) ? "it may succeed on a retry" : "this is not expected to change on a retry";
    return { code: "server", what: "server error", advice };
  }
  return { code: "validation", what: "unexpected answer", advice: "check that the host is a Syvain Metrics API" };
}

export function classifyErrorResponse(answer: ErrorAnswer): SyvainApiError {
  const body = parseErrorBody(answer.bodyText);
  const serverCode = body?.error.code;
  const outcome = outcomeFor(answer.status, serverCode);
  const retryAfterMs = parseRetryAfter(answer.retryAfter, answer.now);
  const serverMessage = body ? shorten(answer.secret.scrub(body.error.message)) : undefined;
  const label = serverCode ? `${answer.status} ${serverCode}` : String(answer.status);
  const said = serverMessage ? `: ${serverMessage}` : "";
  const message = `${outcome.what} (${label}) on ${answer.request}${said}. What to do: ${outcome.advice}`;
  return new SyvainApiError(outcome.code, message, {
    status: answer.status,
    retryable: isRetryableStatus(answer.status),
    ...(serverCode === undefined ? {} : { serverCode }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(body?.error.details === undefined
      ? {}
      : { details: body.error.details.map((d) => ({ ...d, message: answer.secret.scrub(d.message) })) }),
    ...(body?.error.experiment_id === undefined ? {} : { experimentId: body.error.experiment_id }),
    request: answer.request,
  });
}

function parseErrorBody(text: string): ErrorBody | undefined {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_SERVER_MESSAGE_CHARS ? `${oneLine.slice(0, MAX_SERVER_MESSAGE_CHARS - 3)}...` : oneLine;
}
