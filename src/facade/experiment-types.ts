/** The argument and result types of `Experiment`'s methods. */
import type { JsonObject, MetricMetadata } from "../api/contract.ts";
import type { OutboxStats } from "../delivery/delivery-types.ts";
import type { ViewStats } from "./otel-view.ts";

/** `experiment.stats()`: its own counts, and its OTel view's (`null` when it made no provider). */
export interface ExperimentStats extends OutboxStats {
  view: ViewStats | null;
}

export interface MetricOptions {
  /** The training step (a non-negative safe integer), or `null` for an event that has no step. Required. */
  step: number | null;
  /** Flat, low-cardinality series labels: `{ split: "train" }`, `{ device: "gpu:0" }`. */
  metadata?: MetricMetadata;
  /** Seconds or milliseconds since the epoch (below 10,000,000,000 means seconds), or a `Date`. @default now */
  timestamp?: number | Date;
}

export interface AnnotationOptions {
  /** Any JSON object (nested allowed), ≤ 65,536 bytes serialized. */
  metadata?: JsonObject;
  timestamp?: number | Date;
}

export interface RunOptions {
  /**
   * Mark the experiment and flush when the process ends (normal exit, SIGINT/SIGTERM, uncaught
   * error). `false` when a supervisor owns process exit: the collector's `flushOnExit` safety net
   * then stays off for this experiment too. @default true
   */
  installHooks?: boolean;
}

export interface FlushOrRaiseOptions {
  /** Retry attempts after the first flush attempt (each its own budget, not `maxRetries`). @default 3 */
  retries?: number;
  /**
   * Give up (and raise) after this many seconds, waits for `Retry-After` included; requests still
   * in flight then are aborted (their items stay pending for a later flush). `flush()` has no
   * bound of its own: one attempt, each request bounded by `timeout` / `ingestTimeout`. @default 60
   */
  timeoutSeconds?: number;
}
