/**
 * What operators (and the bridge) read to see loss: per experiment, the outbox's lifetime counts
 * plus what never reached it — points the mapping rejected (`invalid`) and exports answered
 * FAILED (`failedExports`). Also a cheap backpressure signal for the bridge.
 */
import type { SyvainError } from "../../api/errors.ts";
import type { OutboxKindStats, OutboxStats } from "../../delivery/delivery-types.ts";

export interface ExporterKindStats extends OutboxKindStats {
  /** Rejected by the mapping before queueing (NaN, bad step, no recorded value, oversized, ...). */
  invalid: number;
}

/**
 * One experiment as the exporters see it. For `metrics` and `annotations`:
 * `enqueued = accepted + pending + failed + dropped` (the outbox's invariant); `invalid` is extra.
 */
export interface ExperimentExportStats {
  slug: string;
  /** `undefined` while the experiment could not be created (see `lastError`). */
  experimentId: string | undefined;
  metrics: ExporterKindStats;
  annotations: ExporterKindStats;
  /**
   * Pending events held in memory now. Without a spool, all of them; with one, events spilled to
   * disk during an outage are not (`pending` counts them): back-pressure and the bridge's memory
   * budget count these, so a long outage is not refused while memory is free.
   */
  eventsInMemory: number;
  /** `export()` calls answered FAILED for this experiment (creation, overflow, shutdown). */
  failedExports: number;
  /** The latest creation or delivery error, if any. */
  lastError: SyvainError | undefined;
}

export interface SyvainExporterHealth {
  /** True when a sender should slow down: an outbox is nearly full or Syvain looks unavailable. */
  backpressured: boolean;
  /** One line per reason, naming the experiment. Empty when healthy. */
  reasons: string[];
  /**
   * Experiments held in memory now (known or being created); an idle one is released after
   * `experimentIdleSeconds` and gotten again by its next export.
   */
  experimentsHeld: number;
}

/** Counters the exporters keep per slug, outside the outbox. */
export interface SlugCounters {
  invalidMetrics: number;
  invalidAnnotations: number;
  failedExports: number;
  lastExportError: SyvainError | undefined;
}

export function newSlugCounters(): SlugCounters {
  return { invalidMetrics: 0, invalidAnnotations: 0, failedExports: 0, lastExportError: undefined };
}

const emptyKind: OutboxKindStats = { enqueued: 0, accepted: 0, duplicates: 0, pending: 0, failed: 0, dropped: 0 };

export function experimentStats(
  slug: string,
  experimentId: string | undefined,
  outbox: OutboxStats | undefined,
  counters: SlugCounters | undefined,
  creationError: SyvainError | undefined,
  eventsInMemory?: number,
): ExperimentExportStats {
  const metrics = outbox?.metrics ?? emptyKind;
  const annotations = outbox?.annotations ?? emptyKind;
  return {
    slug,
    experimentId,
    metrics: { ...metrics, invalid: counters?.invalidMetrics ?? 0 },
    annotations: { ...annotations, invalid: counters?.invalidAnnotations ?? 0 },
    eventsInMemory: eventsInMemory ?? metrics.pending + annotations.pending,
    failedExports: counters?.failedExports ?? 0,
    lastError: creationError ?? outbox?.lastError ?? counters?.lastExportError,
  };
}

/** Fraction of `maxQueueItems` at which an outbox counts as nearly full. */
const BACKPRESSURE_QUEUE_RATIO = 0.8;

/** Why one experiment's outbox should make senders slow down, or `undefined`. */
export function outboxPressure(
  slug: string,
  stats: Pick<OutboxStats, "metrics" | "annotations"> & Pick<ExperimentExportStats, "eventsInMemory">,
  maxQueueItems: number,
  retryableFailure: SyvainError | undefined,
): string | undefined {
  const pending = stats.metrics.pending + stats.annotations.pending;
  // Queue slots are memory: events spilled to the spool hold none.
  if (stats.eventsInMemory >= maxQueueItems * BACKPRESSURE_QUEUE_RATIO) {
    const spilled = pending - stats.eventsInMemory;
    return `experiment ${JSON.stringify(slug)}: ${stats.eventsInMemory} of ${maxQueueItems} queue slots in use${spilled > 0 ? ` (${spilled} more wait on disk)` : ""}`;
  }
  if (pending > 0 && retryableFailure !== undefined) {
    return `experiment ${JSON.stringify(slug)}: Syvain unavailable (${retryableFailure.message}); ${pending} events waiting`;
  }
  return undefined;
}
