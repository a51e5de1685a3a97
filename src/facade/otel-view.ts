/**
 * The OpenTelemetry view of a facade experiment: its `Resource`, and Meter/Logger providers whose
 * exporters deliver into the same experiment (same server id, same JSONL file), so instrumentations
 * such as `@opentelemetry/host-metrics` report next to `experiment.metric()`. The providers use the
 * package's exporters over the experiment's own sink; they have their own outbox, flushed by
 * `provider.forceFlush()` and, for providers made here, by the end of `run()`, by the experiment's
 * `flush()` / `flushOrRaise()` and by `close()` (whose statuses count what they did not deliver).
 * The end of `run()` / a `running()` scope flushes them *before* queuing `done` / `failed`, so the
 * terminal status reaches the server after the run's OTel points. Explicit `done()` does not flush
 * (call `provider.forceFlush()` first if the order matters), and a process ending by a signal or an
 * error queues its status first, since that status matters more than the order within the deadline.
 */
import { createRequire } from "node:module";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoggerProvider } from "@opentelemetry/sdk-logs";
import type { MeterProvider } from "@opentelemetry/sdk-metrics";
import type { Resource } from "@opentelemetry/resources";
import type { SyvainError } from "../api/errors.ts";
import type { ExporterKindStats } from "../exporter/otel/exporter-stats.ts";
import type { FlushStatus } from "../delivery/delivery-types.ts";
import { waitUntil } from "../delivery/deadline.ts";
import type * as OtelProviders from "./otel-providers.ts";
import type { ExperimentLoggerProviderOptions, ExperimentMeterProviderOptions, OtelBinding, OwnedProvider, ViewProvider } from "./otel-providers.ts";

export type { ExperimentLoggerProviderOptions, ExperimentMeterProviderOptions, OtelBinding, OwnedProvider } from "./otel-providers.ts";

/** What the view's exporters did not deliver, per kind (their pending, failed and dropped events). */
export interface ViewUndelivered {
  pendingMetrics: number;
  pendingAnnotations: number;
  failedMetrics: number;
  failedAnnotations: number;
  droppedMetrics: number;
  droppedAnnotations: number;
  /** The latest error of an exporter that left something undelivered. */
  lastError: SyvainError | undefined;
}

/**
 * What the view's exporters did with what its providers recorded, summed over them
 * (`experiment.stats().view`). Per kind `enqueued = accepted + pending + failed + dropped`, as for the
 * experiment's own counts; `invalid`: points / log records the mapping rejected before queueing.
 */
export interface ViewStats {
  metrics: ExporterKindStats;
  annotations: ExporterKindStats;
  /** `export()` calls answered FAILED (nothing of them was queued). */
  failedExports: number;
  /** The latest error of an exporter that left something undelivered or failed an export. */
  lastError: SyvainError | undefined;
}

let loaded: typeof OtelProviders | undefined;

/**
 * The provider builders, loaded on first use. The OTel SDK is about a third of the package's import
 * time, so the root entry must not pull it in; the API stays synchronous because Node (>= 22.12)
 * can `require()` an ES module. The sibling keeps this file's extension: `.ts` when run from
 * source, `.js` from `dist/`.
 */
function otelProviders(): typeof OtelProviders {
  const self = fileURLToPath(import.meta.url);
  loaded ??= createRequire(self)(`./otel-providers${extname(self)}`) as typeof OtelProviders;
  return loaded;
}

/** The providers an experiment made, so a run's end flushes them and `close()` shuts them down. */
export class OtelView {
  readonly #binding: OtelBinding;
  readonly #owned = new Set<OwnedProvider>();
  /** Every exporter the view made, kept past shutdown: `close()` reads what they did not deliver. */
  readonly #exporters: ViewProvider<OwnedProvider>["exporter"][] = [];
  #resource: Resource | undefined;

  constructor(binding: OtelBinding) {
    this.#binding = binding;
  }

  /** How many providers it made and has not shut down. */
  get size(): number {
    return this.#owned.size;
  }

  get resource(): Resource {
    this.#resource ??= otelProviders().experimentResource(this.#binding);
    return this.#resource;
  }

  meterProvider(options?: ExperimentMeterProviderOptions): MeterProvider {
    return this.#own(otelProviders().createExperimentMeterProvider(this.#binding, this.resource, options));
  }

  loggerProvider(options?: ExperimentLoggerProviderOptions): LoggerProvider {
    return this.#own(otelProviders().createExperimentLoggerProvider(this.#binding, this.resource, options));
  }

  /** The view's exporters' figures, summed; `null` when the experiment made no provider. */
  stats(): ViewStats | null {
    if (this.#exporters.length === 0) return null;
    const sum: ViewStats = { metrics: emptyKind(), annotations: emptyKind(), failedExports: 0, lastError: undefined };
    for (const exporter of this.#exporters) {
      for (const s of exporter.stats()) {
        addKind(sum.metrics, s.metrics);
        addKind(sum.annotations, s.annotations);
        sum.failedExports += s.failedExports;
        if (undeliveredOf(s) > 0 || s.failedExports > 0) sum.lastError = s.lastError ?? sum.lastError;
      }
    }
    return sum;
  }

  /** What the view's exporters have not delivered (after `shutdown()`: what they gave up). */
  undelivered(): ViewUndelivered {
    const stats = this.stats();
    if (stats === null) return { pendingMetrics: 0, pendingAnnotations: 0, failedMetrics: 0, failedAnnotations: 0, droppedMetrics: 0, droppedAnnotations: 0, lastError: undefined };
    const { metrics, annotations } = stats;
    return {
      pendingMetrics: metrics.pending,
      pendingAnnotations: annotations.pending,
      failedMetrics: metrics.failed,
      failedAnnotations: annotations.failed,
      droppedMetrics: metrics.dropped,
      droppedAnnotations: annotations.dropped,
      lastError: undeliveredOf(stats) > 0 ? stats.lastError : undefined,
    };
  }

  /**
   * Collects, exports and drains what the providers recorded. With a `deadline` (epoch ms: an
   * experiment's flush shares its deadline with the view), their exporters drain until it, not for
   * their own `flushTimeoutSeconds`; without one, for that. What is not delivered then stays queued
   * (and counted in `undelivered()`). Never rejects: a provider that fails to flush leaves a `diag`
   * warning from its exporter.
   */
  async flush(deadline = Infinity): Promise<void> {
    if (this.#owned.size === 0) return;
    const flushAll = () => Promise.allSettled([...this.#owned].map((provider) => provider.forceFlush()));
    // No deadline (`flush()` has none of its own): the exporters' own bound, never an endless drain.
    // The deadline's scope comes with the providers' module: it must be the exporters' instance.
    await waitUntil(deadline === Infinity ? flushAll() : otelProviders().withFlushDeadline(deadline, flushAll), deadline);
  }

  /**
   * Shuts the providers down. With a `deadline` (epoch ms: the experiment's `close()`), their
   * exporters drain until it and close then, whether it comes before or after their own
   * `shutdownTimeoutSeconds` (`exitFlushTimeoutSeconds`): one deadline for all that `close()` covers.
   */
  async shutdown(deadline = Infinity): Promise<void> {
    const owned = [...this.#owned];
    this.#owned.clear();
    if (owned.length === 0) return;
    const shutdownAll = () => Promise.allSettled(owned.map((provider) => provider.shutdown()));
    await (deadline === Infinity ? shutdownAll() : otelProviders().withFlushDeadline(deadline, shutdownAll));
  }

  #own<P extends OwnedProvider>(made: ViewProvider<P>): P {
    this.#owned.add(made.provider);
    this.#exporters.push(made.exporter);
    return made.provider;
  }
}

function emptyKind(): ExporterKindStats {
  return { enqueued: 0, accepted: 0, duplicates: 0, pending: 0, failed: 0, dropped: 0, invalid: 0 };
}

function addKind(into: ExporterKindStats, add: ExporterKindStats): void {
  for (const key of Object.keys(into) as (keyof ExporterKindStats)[]) into[key] += add[key];
}

function undeliveredOf({ metrics, annotations }: { metrics: ExporterKindStats; annotations: ExporterKindStats }): number {
  return metrics.pending + annotations.pending + metrics.failed + annotations.failed + metrics.dropped + annotations.dropped;
}

/**
 * The experiment's status with what its OTel view's exporters did not deliver added (and their
 * error when the outbox has none): their events are the experiment's too (the same sink), and only
 * a warning said they were given up.
 */
export function withViewUndelivered(status: FlushStatus, view: ViewUndelivered): FlushStatus {
  const { lastError, ...counts } = view;
  const merged = { ...status };
  for (const key of Object.keys(counts) as (keyof typeof counts)[]) merged[key] += counts[key];
  if (Object.values(counts).some((n) => n > 0)) {
    merged.ok = false;
    merged.lastError ??= lastError;
  }
  return merged;
}
