import type { AnnotationEvent, ExperimentStatus, IngestResult, MetricEvent } from "../api/contract.ts";
import type { SyvainError } from "../api/errors.ts";

/** One request's worth of work, as the outbox hands it to a sink. */
export type Batch =
  | { kind: "metric"; items: MetricEvent[]; idempotencyKey: string }
  | { kind: "annotation"; items: AnnotationEvent[]; idempotencyKey: string }
  | { kind: "status"; status: ExperimentStatus; idempotencyKey: string };

/**
 * Where one experiment's batches go: the Syvain REST API, a JSONL file, or nowhere.
 * `deliver` rejects with a `SyvainError`; its `retryable` flag (and `retryAfterMs` on a
 * `SyvainApiError`) decides what the outbox does next. A `payload_too_large` error splits the batch.
 * `signal` aborts the request (a flush deadline passed with it in flight): a sink that does I/O
 * stops it and rejects with a *retryable* error, since the server may not have stored it.
 */
export interface DeliverySink {
  deliver(batch: Batch, signal?: AbortSignal): Promise<IngestResult>;
  /** Makes everything delivered so far durable (JSONL: write + fsync). */
  sync?(): Promise<void>;
  close(): Promise<void>;
}

/** The facade's delivery options (Python SDK names, camelCased). */
export interface DeliveryOptions {
  /** Background batching delay in seconds. @default 0.25 */
  flushDelaySeconds?: number;
  /** Maximum queued metrics plus annotations per experiment; the oldest are evicted beyond it. @default 100000 */
  maxQueueItems?: number;
  /** Maximum items in one ingest request. @default 500 */
  maxBatchItems?: number;
  /** Retry limit for retryable delivery failures; `null` retries for ever (bounded by the queue). @default null */
  maxRetries?: number | null;
  /** Requests in flight at once per experiment. @default 4 */
  maxConcurrentRequests?: number;
}

/** Per-kind counts. Status updates are never evicted, so they have no `dropped`. */
export interface FlushStatus {
  ok: boolean;
  pendingMetrics: number;
  pendingAnnotations: number;
  pendingStatusUpdates: number;
  failedMetrics: number;
  failedAnnotations: number;
  failedStatusUpdates: number;
  /** Sticky: evictions on queue overflow since the outbox was created. */
  droppedMetrics: number;
  droppedAnnotations: number;
  /** Retryable failures seen by this flush call. */
  retryableFailures: number;
  lastError: SyvainError | undefined;
}

/**
 * Lifetime counters. Per kind, at every moment: `enqueued = accepted + pending + failed + dropped`.
 * `accepted` counts items the sink acknowledged, including those the server reported as duplicates
 * (already stored by an earlier attempt); `duplicates` is that subset.
 */
export interface OutboxKindStats {
  enqueued: number;
  accepted: number;
  duplicates: number;
  pending: number;
  failed: number;
  dropped: number;
}

export interface OutboxStats {
  metrics: OutboxKindStats;
  annotations: OutboxKindStats;
  statusUpdates: OutboxKindStats;
  lastError: SyvainError | undefined;
}
