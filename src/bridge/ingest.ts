/**
 * One OTLP export request, HTTP aside: decode, refuse under backpressure, hand the SDK shapes to
 * the Syvain exporters, and turn what happened into an OTLP/HTTP answer:
 *
 * - 200, empty response: the intake accepted everything (`intake.ts`: queued for delivery, and with
 *   a spool, on disk);
 * - 200 + `partial_success`: queued, except what the decoder or the mapping rejected (counted,
 *   with reasons; the sender must not retry those);
 * - 400 + Status: the body cannot be decoded, or the data cannot go anywhere (e.g. no slug);
 * - 413 + Status: more items than an experiment's queue can ever hold;
 * - 429 / 503 + `Retry-After`: nothing was queued for sure — outbox nearly full, Syvain
 *   unavailable (without a spool), the spool full or failing, the bridge shutting down, or no
 *   answer in time. The sender retries; points it
 *   resends that did get queued are deduplicated by their deterministic event ids.
 */
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { SyvainApiError, SyvainError } from "../api/errors.ts";
import { deadlineIn, waitUntil } from "../delivery/deadline.ts";
import type { SyvainExportResult } from "../exporter/otel/export-callback.ts";
import type { BridgeExporters } from "./bridge-options.ts";
import { decodeRequest, type DecodedRequest } from "./export-calls.ts";
import type { BridgeIntake } from "./intake.ts";
import { isKeyRejection } from "./key-watch.ts";
import { GrpcCode, encodeExportResponse, encodeStatus, type OtlpEncoding, type OtlpSignal } from "./otlp/encode-response.ts";
import { OtlpDecodeError } from "./otlp/otlp-decode-error.ts";

export interface IngestContext {
  exporters: BridgeExporters;
  /** Where decoded data goes; the answer waits for it (see `intake.ts`). */
  intake: BridgeIntake;
  answerTimeoutMs: number;
  retryAfterSeconds: number;
  /** True once the bridge is closing: new data is refused with 503. */
  closing: () => boolean;
  /** The exporters' per-experiment queue bound, when known: a request that would overflow it waits (503). */
  maxQueueItems: number | undefined;
}

export interface IngestOutcome {
  status: 200 | 400 | 413 | 429 | 503;
  /** Response body in the request's encoding. */
  body: Uint8Array;
  retryAfterSeconds?: number;
  /** Data points or log records in the request that were handed to the exporters. */
  accepted: number;
  rejected: number;
  /** Why the request was not (fully) accepted, for the log. */
  reason?: string;
  /** Syvain rejected the API key (401/403): the sender's retries cannot help until an operator acts. */
  keyRejected?: true;
}

export async function ingest(signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array, context: IngestContext): Promise<IngestOutcome> {
  let decoded: DecodedRequest;
  try {
    decoded = decodeRequest(signal, encoding, body);
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    const message = error.toString().replace(/^OtlpDecodeError: /, "");
    return refuse(encoding, 400, `cannot decode ${signal} request: ${message}`);
  }
  const unavailable = (reason: string, status: 429 | 503 = 503, retryAfterSeconds = context.retryAfterSeconds): IngestOutcome => ({
    ...refuse(encoding, status, reason),
    retryAfterSeconds,
  });
  if (context.closing()) return unavailable("the bridge is shutting down");
  if (context.maxQueueItems !== undefined && decoded.count > context.maxQueueItems) {
    return refuse(encoding, 413, `the request has ${decoded.count} items, more than a queue holds (${context.maxQueueItems}): send smaller batches or raise the queue size`);
  }
  const pressure = decoded.count > 0 ? context.intake.pressure() ?? queueRoom(context, decoded.count) : undefined;
  if (pressure !== undefined) return unavailable(`not accepting data: ${pressure}`);

  // The one awaited step before answering: a 200 means exactly what the intake promises.
  const settled = context.intake.accept(decoded.calls);
  if (!(await waitUntil(settled, deadlineIn(context.answerTimeoutMs / 1000)))) return unavailable(`no answer from Syvain within ${context.answerTimeoutMs / 1000} s`);
  const results = await settled;
  // Each export answers with the items its mapping rejected: exact per request, whatever else runs.
  const invalid = results.reduce((sum, result) => sum + invalidOf(result), 0);

  // Data that cannot go anywhere (e.g. a resource without a usable slug) is rejected; any other
  // failure means "not queued": the sender keeps everything and retries.
  let unroutable = 0;
  const unroutableReasons = new Set<string>();
  for (const [index, result] of results.entries()) {
    if (result.code === ExportResultCode.SUCCESS) continue;
    const error = result.error;
    if (error instanceof SyvainError && (error.code === "invalid_argument" || error.code === "validation")) {
      unroutable += decoded.calls[index]?.count ?? 0;
      unroutableReasons.add(error.message);
      continue;
    }
    if (error instanceof SyvainApiError && error.code === "rate_limited") {
      return unavailable(error.message, 429, error.retryAfterMs === undefined ? context.retryAfterSeconds : Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    }
    if (isKeyRejection(error)) return { ...unavailable(error.message), keyRejected: true };
    return unavailable(error?.message ?? "export failed");
  }
  if (unroutable > 0 && unroutable === decoded.count) return { ...refuse(encoding, 400, [...unroutableReasons].join("; ")), rejected: unroutable };

  const rejected = decoded.rejected.count + invalid + unroutable;
  const reasons = decoded.rejected.reasons.map((r) => `${r.count} × ${r.reason}`);
  if (invalid > 0) reasons.push(`${invalid} × rejected by the Syvain mapping (NaN/Inf, no recorded value, invalid step or too large; the bridge logs the reasons as delivery.warning, once a minute per experiment)`);
  if (unroutable > 0) reasons.push(`${unroutable} × ${[...unroutableReasons].join("; ")}`);
  const errorMessage = reasons.join("; ");
  return {
    status: 200,
    body: encodeExportResponse(signal, encoding, { rejected, errorMessage }),
    accepted: decoded.count - invalid - unroutable,
    rejected,
    ...(rejected > 0 ? { reason: errorMessage } : {}),
  };
}

const GRPC_CODES = { 400: GrpcCode.INVALID_ARGUMENT, 413: GrpcCode.RESOURCE_EXHAUSTED, 429: GrpcCode.RESOURCE_EXHAUSTED, 503: GrpcCode.UNAVAILABLE } as const;

/** A refusal: nothing of the request was queued. */
function refuse(encoding: OtlpEncoding, status: 400 | 413 | 429 | 503, reason: string): IngestOutcome {
  return { status, body: encodeStatus(encoding, GRPC_CODES[status], reason), accepted: 0, rejected: 0, reason };
}

/**
 * Queuing more than an outbox holds in memory would evict events already answered 200: refuse instead.
 * Conservative: the fullest experiment's queue plus the whole request (its target experiments
 * are only known once mapped).
 */
function queueRoom(context: IngestContext, incoming: number): string | undefined {
  if (context.maxQueueItems === undefined) return undefined;
  let fullest = 0;
  // In memory only: events spilled to the spool hold no queue slot, and only events in memory are ever evicted.
  for (const experiment of context.exporters.stats()) fullest = Math.max(fullest, experiment.eventsInMemory);
  if (fullest + incoming <= context.maxQueueItems) return undefined;
  return `${fullest} events are waiting for delivery in memory and this request has ${incoming}; the queue holds ${context.maxQueueItems}`;
}

/** `SyvainExportResult.invalid`: every result of the Syvain exporters carries it. */
function invalidOf(result: ExportResult): number {
  const invalid = (result as Partial<SyvainExportResult>).invalid;
  return typeof invalid === "number" ? invalid : 0;
}
