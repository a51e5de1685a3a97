/**
 * One HTTP attempt against the Syvain API: the parsed, schema-checked body, or a `SyvainApiError`.
 * The response body is always consumed (read up to a cap, or dumped), so the keep-alive socket
 * goes back to the pool; the per-attempt timeout covers the headers and the body.
 */
import type { Dispatcher } from "undici";
import type { z } from "zod";
import { SyvainApiError } from "../api/errors.ts";
import { IDEMPOTENCY_KEY_HEADER } from "../api/contract.ts";
import { classifyNetworkError } from "./retry/network-errors.ts";
import { classifyErrorResponse } from "./classify-response.ts";
import { jsonBody } from "./json-body.ts";
import type { Secret } from "./redact.ts";
import { loadUndici } from "./undici-loader.ts";

/** Success bodies above this are refused (the largest answers are series queries). */
const MAX_SUCCESS_BODY_BYTES = 64 * 1024 * 1024;
/** Error bodies are read this far for their message; the rest is discarded. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const UNDICI_TIMEOUT_MARGIN_MS = 1000;

export interface HttpContext {
  /** Made on the first call (undici is loaded lazily), then the same one. */
  dispatcher: () => Promise<Dispatcher>;
  /** Origin plus path prefix, no trailing slash. */
  host: string;
  apiKey: Secret;
  headers: Readonly<Record<string, string>>;
}

export interface HttpAttempt<T> {
  method: "GET" | "POST" | "PATCH";
  /** API path, e.g. `/api/v1/experiments`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** The UTF-8 of `JSON.stringify(body)` when the caller already has it (an ingest body from what the spool kept, kept-batch.ts). */
  bytes?: Buffer;
  idempotencyKey?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  schema: z.ZodType<T>;
}

export async function httpCall<T>(context: HttpContext, attempt: HttpAttempt<T>): Promise<T> {
  const label = `${attempt.method} ${attempt.path}`;
  // Loaded before the timer starts: the first call of a process must not spend its timeout on that.
  const [{ request }, dispatcher] = await Promise.all([loadUndici(), context.dispatcher()]);
  // Our own timer (not AbortSignal.timeout) so a timeout is told apart from the caller's abort.
  // The caller's signal may live long (a sink's, aborted on close): a listener removed after this
  // attempt, rather than AbortSignal.any, leaves nothing attached to it.
  const abort = new AbortController();
  let timedOut = false;
  // Ref'd: the caller awaits this attempt (a control call, or a flush), so its bound must fire
  // even if nothing else (a socket not yet assigned, say) keeps the process alive meanwhile.
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, attempt.timeoutMs);
  const onCallerAbort = (): void => abort.abort();
  if (attempt.signal?.aborted) abort.abort();
  else attempt.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const signal = abort.signal;
  try {
    const response = await request(urlFor(context.host, attempt), {
      method: attempt.method,
      headers: headersFor(context, attempt),
      body: attempt.body === undefined ? null : (attempt.bytes ?? jsonBody(attempt.body)),
      dispatcher,
      signal,
      // undici's own limits (300 s by default) must not cut a longer `timeout` short; ours fires first.
      headersTimeout: attempt.timeoutMs + UNDICI_TIMEOUT_MARGIN_MS,
      bodyTimeout: attempt.timeoutMs + UNDICI_TIMEOUT_MARGIN_MS,
    });
    return await readResponse(response, attempt.schema, label, context.apiKey);
  } catch (error) {
    if (error instanceof SyvainApiError) throw error;
    throw transportError(error, label, attempt, timedOut);
  } finally {
    clearTimeout(timer);
    attempt.signal?.removeEventListener("abort", onCallerAbort);
  }
}

function urlFor(host: string, attempt: HttpAttempt<unknown>): string {
  // No query (every ingest call): the configured host is a parsed URL already and the path is
  // built from encoded segments, so the text is the URL; parsing it again per request is waste.
  if (attempt.query === undefined) return `${host}${attempt.path}`;
  const url = new URL(`${host}${attempt.path}`);
  for (const [name, value] of Object.entries(attempt.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.href;
}

function headersFor(context: HttpContext, attempt: HttpAttempt<unknown>): Record<string, string> {
  const headers: Record<string, string> = {
    ...context.headers,
    accept: "application/json",
    authorization: `Bearer ${context.apiKey.reveal()}`,
  };
  if (attempt.body !== undefined) headers["content-type"] = "application/json";
  if (attempt.idempotencyKey !== undefined) headers[IDEMPOTENCY_KEY_HEADER] = attempt.idempotencyKey;
  return headers;
}

async function readResponse<T>(response: Dispatcher.ResponseData, schema: z.ZodType<T>, label: string, apiKey: Secret): Promise<T> {
  const { statusCode: status, headers, body } = response;
  if (status >= 300 && status < 400) {
    await body.dump();
    // Following it would send the key wherever the Location points.
    throw new SyvainApiError(
      "redirect",
      `server answered a ${status} redirect on ${label}; redirects are not followed so the API key stays with the configured host. What to do: set the host (SYVAIN_METRICS_HOST or \`host\`) to the final URL`,
      { status, request: label },
    );
  }
  if (status < 200 || status >= 300) {
    const { text } = await readCapped(body, MAX_ERROR_BODY_BYTES, declaredLength(headers));
    throw classifyErrorResponse({ status, retryAfter: headers["retry-after"], bodyText: text, request: label, secret: apiKey });
  }
  const { text, complete } = await readCapped(body, MAX_SUCCESS_BODY_BYTES, declaredLength(headers));
  if (!complete) throw invalidResponse(label, status, `body larger than ${MAX_SUCCESS_BODY_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidResponse(label, status, "body is not JSON", error);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidResponse(label, status, `unexpected shape at \`${issue?.path.join(".") ?? ""}\`: ${issue?.message ?? "invalid"}`, parsed.error);
  }
  return parsed.data;
}

/** The `content-length` the server declared; Infinity when absent or malformed (then the capped read). */
function declaredLength(headers: Dispatcher.ResponseData["headers"]): number {
  const value = headers["content-length"];
  const length = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(length) ? length : Number.POSITIVE_INFINITY;
}

/**
 * The body as UTF-8 text, at most `limit` bytes. Beyond the limit the body is destroyed (the
 * socket is not reused) and `complete` is false: the text read so far is still enough for an
 * error message, not for a success answer.
 */
async function readCapped(body: Dispatcher.ResponseData["body"], limit: number, length: number): Promise<{ text: string; complete: boolean }> {
  // A declared length within the cap (small answers, such as every ingest result): read it whole,
  // without an async iterator per answer. undici fails the read if the body outgrows its length.
  if (length <= limit) return { text: await body.text(), complete: true };
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving a for-await loop early destroys the stream, which is what an oversized body deserves.
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    if (size + buffer.length > limit) {
      chunks.push(buffer.subarray(0, limit - size));
      return { text: Buffer.concat(chunks).toString("utf8"), complete: false };
    }
    chunks.push(buffer);
    size += buffer.length;
  }
  return { text: Buffer.concat(chunks).toString("utf8"), complete: true };
}

function invalidResponse(label: string, status: number, why: string, cause?: unknown): SyvainApiError {
  return new SyvainApiError(
    "invalid_response",
    `invalid response (${status}) on ${label}: ${why}. What to do: check that the host is a Syvain Metrics API of a supported version`,
    { status, request: label, ...(cause === undefined ? {} : { cause }) },
  );
}

function transportError(error: unknown, label: string, attempt: HttpAttempt<unknown>, timedOut: boolean): SyvainApiError {
  if (timedOut) {
    return new SyvainApiError("timeout", `no complete answer within ${attempt.timeoutMs / 1000} s on ${label}; it may succeed on a retry`, {
      retryable: true,
      request: label,
      cause: error,
    });
  }
  if (attempt.signal?.aborted) {
    // A reason given as text (ours, on shutdown) says why; anything else is the caller's business.
    const reason: unknown = attempt.signal.reason;
    const why = typeof reason === "string" ? `abandoned: ${reason}` : "aborted by the caller";
    return new SyvainApiError("shutdown", `${label} ${why}`, { request: label, cause: error });
  }
  const network = classifyNetworkError(error);
  if (network?.kind === "timeout") {
    return new SyvainApiError("timeout", `connection timed out (${network.code}) on ${label}; it may succeed on a retry`, {
      retryable: true,
      request: label,
      cause: error,
    });
  }
  if (network?.kind === "closed") {
    return new SyvainApiError("shutdown", `${label} failed: the HTTP dispatcher is closed (${network.code})`, { request: label, cause: error });
  }
  if (network === undefined) {
    // No transport code at all: not the network failing but a bug (ours, or a plugged-in dispatcher's).
    const message = error instanceof Error ? error.message : String(error);
    return new SyvainApiError("internal", `${label}: unexpected internal error: ${message}`, { request: label, cause: error });
  }
  const retryable = network.kind === "network";
  const advice = retryable ? "it may succeed on a retry" : "this is not expected to change on a retry";
  return new SyvainApiError("network", `network error (${network.code}) on ${label}; ${advice}`, { retryable, request: label, cause: error });
}
