/**
 * The bridge's `node:http` request listener: routing, method / auth / media-type checks, body
 * limits, then `ingest()`; one structured log entry per request. OTLP errors carry a
 * `google.rpc.Status` in the request's encoding (an unsupported Content-Encoding's 415 included);
 * routing errors (404, 405, and 415 for a Content-Type that is neither encoding) are plain text.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BridgeLog } from "./bridge-log.ts";
import type { BridgeExporters, ResolvedBridgeOptions } from "./bridge-options.ts";
import { ingest, type IngestOutcome } from "./ingest.ts";
import type { BridgeIntake } from "./intake.ts";
import { BudgetExhausted, DECODED_BYTES_PER_BODY_BYTE, type MemoryBudget, type Reservation } from "./memory-budget.ts";
import { keyRejection } from "./key-check.ts";
import type { KeyWatch } from "./key-watch.ts";
import { CONTENT_TYPES, GrpcCode, encodeStatus, type OtlpEncoding, type OtlpSignal } from "./otlp/encode-response.ts";
import { BodyError, checkContentEncoding, readRequestBody } from "./request-body.ts";

export interface BridgeState {
  closing: boolean;
  /** Requests being answered; `close()` waits for them. */
  readonly inFlight: Set<Promise<void>>;
}

export interface ListenerDeps {
  options: ResolvedBridgeOptions;
  exporters: BridgeExporters;
  log: BridgeLog;
  state: BridgeState;
  /** Per-experiment queue bound of the exporters, when the bridge made them. */
  maxQueueItems: number | undefined;
  /** Where decoded data goes before the answer (see `intake.ts`). */
  intake: BridgeIntake;
  /** Shared by every request in flight (see `memory-budget.ts`). */
  budget: MemoryBudget;
  /** Whether Syvain rejects the key now, for exporters the bridge made (`key-watch.ts`). */
  keyWatch: KeyWatch | undefined;
}

interface Reply {
  status: number;
  contentType: string;
  body: Uint8Array | string;
  headers?: Record<string, string>;
  /** Close the connection after answering (also done whenever the request body has not fully arrived). */
  close?: boolean;
}

export function createRequestListener(deps: ListenerDeps): (request: IncomingMessage, response: ServerResponse) => void {
  const routes = new Map<string, OtlpSignal>([
    [`${deps.options.pathPrefix}/v1/metrics`, "metrics"],
    [`${deps.options.pathPrefix}/v1/logs`, "logs"],
  ]);
  const tokenDigest = deps.options.authToken === undefined ? undefined : digest(deps.options.authToken);
  return (request, response) => {
    const task = handle(request, response, deps, routes, tokenDigest).catch((error: unknown) => {
      deps.log({ level: "error", event: "request.crashed", path: pathOf(request), error });
      if (!response.headersSent) send(response, { status: 500, contentType: "text/plain", body: "internal error\n", close: true });
    });
    deps.state.inFlight.add(task);
    void task.finally(() => deps.state.inFlight.delete(task));
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  deps: ListenerDeps,
  routes: Map<string, OtlpSignal>,
  tokenDigest: Buffer | undefined,
): Promise<void> {
  const started = performance.now();
  const path = pathOf(request);
  if (path === "/healthz" || path === "/readyz") {
    send(response, probe(path, deps));
    return;
  }
  const signal = routes.get(path);
  if (signal === undefined) {
    send(response, { status: 404, contentType: "text/plain", body: `no route ${path}; OTLP/HTTP endpoints: ${[...routes.keys()].join(", ")}\n` });
    deps.log({ level: "warn", event: "request", status: 404, method: request.method, path: path.slice(0, 200) });
    return;
  }
  const { reply, outcome, encoding, reason } = await answerExport(request, signal, deps, tokenDigest);
  send(response, reply);
  // A rejected key is an operator's problem, not a passing one: an error, though senders get 503.
  const level = reply.status === 200 ? "info" : outcome?.keyRejected === true || (reply.status >= 500 && reply.status !== 503) ? "error" : "warn";
  deps.log({
    level,
    event: "request",
    signal,
    status: reply.status,
    encoding,
    contentEncoding: (request.headers["content-encoding"] ?? "identity").slice(0, 40),
    accepted: outcome?.accepted ?? 0,
    rejected: outcome?.rejected ?? 0,
    ...(outcome?.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: outcome.retryAfterSeconds }),
    ...(reason === undefined ? {} : { reason }),
    durationMs: Math.round(performance.now() - started),
  });
}

async function answerExport(
  request: IncomingMessage,
  signal: OtlpSignal,
  deps: ListenerDeps,
  tokenDigest: Buffer | undefined,
): Promise<{ reply: Reply; outcome?: IngestOutcome; encoding?: OtlpEncoding; reason?: string }> {
  if (request.method !== "POST") {
    return { reply: { status: 405, contentType: "text/plain", body: `use POST for OTLP ${signal}\n`, headers: { allow: "POST" } }, reason: `method ${request.method}` };
  }
  const encoding = encodingOf(request.headers["content-type"]);
  if (encoding === undefined) {
    const given = JSON.stringify(request.headers["content-type"] ?? "");
    const reason = `unsupported Content-Type ${given.slice(0, 80)}`;
    return { reply: { status: 415, contentType: "text/plain", body: `${reason}; use application/x-protobuf or application/json\n` }, reason };
  }
  const status = (code: number, grpc: number, message: string, extra: Partial<Reply> = {}): { reply: Reply; encoding: OtlpEncoding; reason: string } => ({
    reply: { status: code, contentType: CONTENT_TYPES[encoding], body: encodeStatus(encoding, grpc, message), ...extra },
    encoding,
    reason: message,
  });
  if (tokenDigest !== undefined && !tokenMatches(request.headers.authorization, tokenDigest)) {
    return status(401, GrpcCode.UNAUTHENTICATED, "missing or wrong bearer token", { headers: { "www-authenticate": "Bearer" } });
  }
  const reservation = deps.budget.open();
  try {
    let body: Buffer;
    try {
      const contentEncoding = checkContentEncoding(request.headers["content-encoding"]);
      const limits = { ...decompressedLimit(deps.options.maxDecompressedBytes, deps.budget.maxBytes, encoding), maxRequestBytes: deps.options.maxRequestBytes, bodyTimeoutMs: deps.options.bodyTimeoutSeconds * 1000 };
      body = await readRequestBody(request, contentEncoding, limits, reservation, deps.budget);
      reserveDecoding(body.length, encoding, reservation, deps.budget);
    } catch (error) {
      if (error instanceof BudgetExhausted) {
        return status(503, GrpcCode.UNAVAILABLE, error.message, { headers: { "retry-after": String(deps.options.retryAfterSeconds) } });
      }
      if (!(error instanceof BodyError)) throw error;
      const grpc = error.status === 413 ? GrpcCode.RESOURCE_EXHAUSTED : error.status === 408 ? GrpcCode.UNAVAILABLE : GrpcCode.INVALID_ARGUMENT;
      // A timed-out body is abandoned mid-way: close, so its socket is freed whatever the sender does next.
      return status(error.status, grpc, error.message, error.status === 408 ? { close: true } : {});
    }
    const outcome = await ingest(signal, encoding, body, {
      exporters: deps.exporters,
      intake: deps.intake,
      answerTimeoutMs: deps.options.answerTimeoutSeconds * 1000,
      retryAfterSeconds: deps.options.retryAfterSeconds,
      closing: () => deps.state.closing,
      maxQueueItems: deps.maxQueueItems,
    });
    const headers: Record<string, string> = outcome.retryAfterSeconds === undefined ? {} : { "retry-after": String(outcome.retryAfterSeconds) };
    return { reply: { status: outcome.status, contentType: CONTENT_TYPES[encoding], body: outcome.body, headers }, outcome, encoding, ...(outcome.reason === undefined ? {} : { reason: outcome.reason }) };
  } finally {
    reservation.release();
  }
}

/**
 * Reserves the decoded objects' estimated size before decoding. A body whose decoding could never
 * fit the whole budget is refused for good (413: retrying cannot help), not with a 503.
 */
/**
 * The decompressed size a body may reach: `--max-decompressed-bytes`, unless decoding that much
 * could never fit the whole memory budget; decompression then stops there (413 for good, not 503),
 * and the 413 says so (64 MiB configured, 29 MiB of JSON effective with the default budget).
 */
function decompressedLimit(configured: number, budgetBytes: number, encoding: OtlpEncoding): { maxDecompressedBytes: number; decompressedLimitSource: string } {
  const decodable = Math.floor(budgetBytes / (1 + DECODED_BYTES_PER_BODY_BYTE[encoding]));
  if (configured <= decodable) return { maxDecompressedBytes: configured, decompressedLimitSource: "--max-decompressed-bytes" };
  return { maxDecompressedBytes: decodable, decompressedLimitSource: `the most a ${encoding} body can be to decode within the memory budget (${budgetBytes} bytes, --max-memory-bytes)` };
}

function reserveDecoding(bodyBytes: number, encoding: OtlpEncoding, reservation: Reservation, budget: MemoryBudget): void {
  const decoded = bodyBytes * DECODED_BYTES_PER_BODY_BYTE[encoding];
  if (bodyBytes + decoded > budget.maxBytes) {
    throw new BodyError(413, `a ${bodyBytes}-byte ${encoding} body needs about ${bodyBytes + decoded} bytes to decode, more than the whole memory budget (${budget.maxBytes} bytes, --max-memory-bytes): send smaller requests`);
  }
  if (!reservation.grow(decoded)) throw new BudgetExhausted(`decoding a ${bodyBytes}-byte ${encoding} body`, budget);
}

function probe(path: string, deps: ListenerDeps): Reply {
  if (path === "/healthz") return { status: 200, contentType: "application/json", body: '{"status":"ok"}\n' };
  const pressure = deps.state.closing ? "shutting down" : deps.intake.notReady();
  const reasons = [pressure, keyRejection(deps.exporters, deps.keyWatch)].filter((reason) => reason !== undefined);
  // Experiments held: a figure to watch, as each costs memory until released idle (`--experiment-idle`).
  const { experimentsHeld } = deps.exporters.health();
  return { status: reasons.length === 0 ? 200 : 503, contentType: "application/json", body: `${JSON.stringify({ ready: reasons.length === 0, reasons, experimentsHeld })}\n` };
}

/** `application/x-protobuf` or `application/json`, parameters (`; charset=utf-8`) ignored. */
function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType === "application/x-protobuf") return "protobuf";
  if (mediaType === "application/json") return "json";
  return undefined;
}

function send(response: ServerResponse, reply: Reply): void {
  if (response.headersSent) return;
  const body = typeof reply.body === "string" ? Buffer.from(reply.body) : reply.body;
  // A request answered before its body fully arrived (refused: 401, 404, 405, 415, 413...) would
  // otherwise have the rest read and discarded by Node, however long it is: drop the connection.
  const close = reply.close === true || !response.req.complete;
  response.writeHead(reply.status, {
    "content-type": reply.contentType,
    "content-length": String(body.length),
    ...(close ? { connection: "close" } : {}),
    ...reply.headers,
  });
  response.end(body);
  if (close) response.once("finish", () => response.socket?.destroySoon());
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** `Bearer <token>` (scheme case-insensitive); digests compared so timing reveals nothing of the token. */
function tokenMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}
