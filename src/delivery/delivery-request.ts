/**
 * One unit of work of the outbox: an event batch (metrics or annotations, a contiguous range of
 * that kind's enqueue order) or a status update. It keeps its `Idempotency-Key` across retries
 * and remembers which budget its attempts were charged to.
 *
 * This file is the single owner of a request's state: the fields are `readonly` to everyone
 * else, and only the transition functions below change them (see the diagram above `beginAttempt`).
 */
import { randomUUID } from "node:crypto";
import type { AnnotationEvent, ExperimentStatus, MetricEvent } from "../api/contract.ts";
import type { Batch } from "./delivery-types.ts";
import type { SyvainError } from "../api/errors.ts";
import { decideRetry, retryAfterOf, type RetryDecision } from "../client/retry/index.ts";

export type EventKind = "metric" | "annotation";
export type RequestKind = EventKind | "status";

/**
 * - `queued`: taken from the event queues (or a status update), never attempted: may be sent now;
 * - `in_flight`: an attempt is running;
 * - `waiting`: the last attempt failed retryably; retried at `dueAt`, never before `notBefore`;
 * - `accepted` / `failed`: settled (the ack points: the backlog counts them and forgets the request).
 */
export type RequestState = "queued" | "in_flight" | "waiting" | "accepted" | "failed";

interface RequestBase {
  readonly key: string;
  readonly state: RequestState;
  /** Background attempts that failed retryably (the `maxRetries` budget). */
  readonly failures: number;
  /** Id of the flush round that last attempted it (0: none). A round attempts each request once. */
  readonly round: number;
  /** Whether the last attempt was made by a flush round (its budget) or the background. */
  readonly flushAttempt: boolean;
  /** Server `Retry-After` deadline (epoch ms): nobody sends earlier. */
  readonly notBefore: number;
  /** Background retry time (epoch ms): backoff with jitter, never before `notBefore`. */
  readonly dueAt: number;
  /** Its background retries (`maxRetries`) are spent but a spool keeps it: see `park`. */
  readonly parked: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** The transitions' own view of a request. */
const own = <T extends DeliveryRequest>(request: T): Mutable<T> => request;

export interface EventRequest extends RequestBase {
  kind: EventKind;
  items: MetricEvent[] | AnnotationEvent[];
  /** Index (in its kind's enqueue order) of the first item; the batch covers `lo .. lo + items.length - 1`. */
  readonly lo: number;
  /** Enqueue sequence number (across kinds) of its first item when it was taken: its age, for eviction. */
  firstSeq: number;
}

export interface StatusRequest extends RequestBase {
  kind: "status";
  status: ExperimentStatus;
  /** Index in the order of status updates. */
  lo: number;
  /** Events of each kind enqueued before this update: it waits until they are settled. */
  metricsBefore: number;
  annotationsBefore: number;
}

export type DeliveryRequest = EventRequest | StatusRequest;

const fresh = (): RequestBase => ({
  key: randomUUID(),
  failures: 0,
  round: 0,
  flushAttempt: false,
  state: "queued",
  notBefore: 0,
  dueAt: 0,
  parked: false,
});

export function newEventRequest(kind: EventKind, items: MetricEvent[] | AnnotationEvent[], lo: number, firstSeq: number, failures = 0): EventRequest {
  return { ...fresh(), kind, items, lo, firstSeq, failures };
}

export function newStatusRequest(status: ExperimentStatus, lo: number, metricsBefore: number, annotationsBefore: number): StatusRequest {
  return { ...fresh(), kind: "status", status, lo, metricsBefore, annotationsBefore };
}

export function sizeOf(request: DeliveryRequest): number {
  return request.kind === "status" ? 1 : request.items.length;
}

/** Halves of a batch after `413 payload_too_large`: new bodies, so new idempotency keys. */
export function splitEventRequest(request: EventRequest): [EventRequest, EventRequest] {
  const half = Math.ceil(request.items.length / 2);
  const left = request.items.slice(0, half);
  const right = request.items.slice(half);
  return [
    newEventRequest(request.kind, left, request.lo, request.firstSeq, request.failures),
    newEventRequest(request.kind, right, request.lo + half, request.firstSeq, request.failures),
  ];
}

/**
 * Evicts the oldest item of a batch waiting for a retry. Its body changes, so it needs a new
 * idempotency key (the server refuses a known key with another body).
 */
export function dropOldestItem(request: EventRequest): void {
  const batch = own(request);
  batch.items.shift();
  batch.lo++;
  batch.key = randomUUID();
}

export function toBatch(request: DeliveryRequest): Batch {
  switch (request.kind) {
    case "status":
      return { kind: "status", status: request.status, idempotencyKey: request.key };
    case "metric":
      return { kind: "metric", items: request.items as MetricEvent[], idempotencyKey: request.key };
    case "annotation":
      return { kind: "annotation", items: request.items as AnnotationEvent[], idempotencyKey: request.key };
  }
}

/**
 * The transitions of a request's retry state. The outbox and the backlog read the fields; only
 * these functions write them:
 *
 *   queued ──beginAttempt──▶ in_flight ──settle──▶ accepted
 *                               │   ▲
 *                  afterFailure │   │ beginAttempt (at `dueAt`; a flush round: at `notBefore`)
 *                               ▼   │
 *                             waiting ──wake (a success elsewhere)──▶ due at `notBefore`
 *   afterFailure that gives up (permanent, retries spent) ──settle──▶ failed
 *   retries spent with a spool ──park──▶ waiting, tried again once a minute (or woken), by a flush round, or by the next process
 */
export function beginAttempt(request: DeliveryRequest, flushRound: number | undefined): void {
  const r = own(request);
  r.state = "in_flight";
  r.flushAttempt = flushRound !== undefined;
  if (flushRound !== undefined) r.round = flushRound;
}

/** The ack point: the request leaves the outbox as accepted or (permanently) failed. */
export function settleRequest(request: DeliveryRequest, outcome: "accepted" | "failed"): void {
  own(request).state = outcome;
}

/**
 * After a failed attempt: charges it to the background budget (`failures`, limited by
 * `maxRetries`) unless a flush round made it (the round counts its own), and asks
 * `decideRetry` whether and when to retry. A retry is scheduled here; a refusal is for the
 * caller to settle.
 */
export function afterFailure(request: DeliveryRequest, error: SyvainError, maxRetries: number | null, now: number, jitter: number): RetryDecision {
  const r = own(request);
  if (!request.flushAttempt && error.retryable) r.failures++;
  const decision = decideRetry({
    error,
    attempt: Math.max(0, request.failures - 1),
    maxRetries: request.flushAttempt ? null : maxRetries,
    jitter,
    now,
  });
  if (decision.retry) {
    r.state = "waiting";
    r.notBefore = decision.notBefore;
    // A parked request failing a flush round's attempt keeps its slow cadence.
    r.dueAt = request.parked ? Math.max(decision.notBefore, now + PARKED_RETRY_MS) : decision.at;
  }
  return decision;
}

/**
 * `maxRetries` bounds the background's attempts in this process; it does not decide that data a
 * spool holds is lost. With a spool, a request whose background retries are spent on a retryable
 * failure stays pending and unacknowledged: the background tries it again only once a minute
 * (`PARKED_RETRY_MS`), or at once when Syvain answers another request (`wake`); a flush round may
 * too (`flush()` / `close()`: their own budget, as for every request), and what none delivers stays
 * on disk for the next process on the spool or `syvain-otel sync`. Without a spool the caller gives it up (`failed`): nothing else keeps it.
 */
export function park(request: DeliveryRequest, error: SyvainError, now: number): void {
  const r = own(request);
  r.state = "waiting";
  r.parked = true;
  r.notBefore = now + (retryAfterOf(error) ?? 0);
  r.dueAt = Math.max(r.notBefore, now + PARKED_RETRY_MS);
}

/**
 * How long a parked request waits before the background tries it again. Never trying it again held
 * the memory window for the rest of the process (outside review 15): after a 4 s outage nothing more
 * was delivered, every new event spilled, and with a full spool parked events in memory only were
 * lost at a crash. Once a minute costs one request per batch during an outage; `wake` (Syvain
 * answered another request) makes it due at once.
 */
export const PARKED_RETRY_MS = 60_000;

/**
 * Syvain answered another request: the outage this request waits out is over, so it is due now
 * rather than at the end of its backoff; a server's `Retry-After` (`notBefore`) still holds.
 */
export function wake(request: DeliveryRequest, now: number): void {
  if (request.state === "waiting") own(request).dueAt = Math.min(request.dueAt, Math.max(request.notBefore, now));
}
