/**
 * The OpenTelemetry view of a facade experiment: its `Resource`, and Meter/Logger providers whose
 * exporters deliver into the same experiment (same server id, same JSONL file), so instrumentations
 * such as `@opentelemetry/host-metrics` report next to `experiment.metric()`. The providers use the
 * package's exporters over the experiment's own sink; they have their own outbox, flushed by
 * `provider.forceFlush()` and, for providers made here, by the end of `run()` and by `close()`.
 * The end of `run()` / a `running()` scope flushes them *before* queuing `done` / `failed`, so the
 * terminal status reaches the server after the run's OTel points. Explicit `done()` does not flush
 * (call `provider.forceFlush()` first if the order matters), and a process ending by a signal or an
 * error queues its status first, since that status matters more than the order within the deadline.
 */
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import type { Resource } from "@opentelemetry/resources";
import type { DeliverySink } from "../delivery/delivery-types.ts";
import { SyvainLogRecordExporter } from "../exporter/log-exporter.ts";
import { SyvainMetricReader } from "../exporter/reader.ts";
import { syvainResource } from "../exporter/otel/syvain-resource.ts";
import type { JsonObject } from "../api/contract.ts";

export interface ExperimentMeterProviderOptions {
  /** How often the SDK collects and exports. @default 5000 */
  exportIntervalMillis?: number;
  /** Attribute sets (e.g. steps) per gauge / histogram per interval. @default 100000 */
  cardinalityLimit?: number;
}

export interface ExperimentLoggerProviderOptions {
  /** Delay between two batch exports of log records. @default 1000 */
  scheduledDelayMillis?: number;
}

/** What the providers need to know about the experiment. */
export interface OtelBinding {
  slug: string;
  description: string | null;
  folderId: string | null;
  meta: JsonObject;
  sink: DeliverySink;
  timeoutSeconds: number;
}

/** A provider the experiment flushes at the end of a run and shuts down on close. */
export interface OwnedProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

function experimentResource(binding: OtelBinding): Resource {
  return syvainResource({
    slug: binding.slug,
    meta: binding.meta,
    ...(binding.description === null ? {} : { description: binding.description }),
    ...(binding.folderId === null ? {} : { folderId: binding.folderId }),
  });
}

/**
 * The exporters' outbox closes its sink on shutdown; the sink belongs to the experiment, so the
 * exporters get a view whose `close()` leaves it open.
 */
function borrowed(sink: DeliverySink): () => DeliverySink {
  return () => ({
    deliver: (batch) => sink.deliver(batch),
    ...(sink.sync ? { sync: () => sink.sync?.() ?? Promise.resolve() } : {}),
    close: () => Promise.resolve(),
  });
}

function exporterOptions(binding: OtelBinding) {
  return {
    slug: binding.slug,
    sink: borrowed(binding.sink),
    flushTimeoutSeconds: binding.timeoutSeconds,
    shutdownTimeoutSeconds: binding.timeoutSeconds,
  };
}

function createExperimentMeterProvider(binding: OtelBinding, resource: Resource, options: ExperimentMeterProviderOptions = {}): MeterProvider {
  const reader = new SyvainMetricReader({ ...exporterOptions(binding), ...options });
  return new MeterProvider({ resource, readers: [reader] });
}

function createExperimentLoggerProvider(binding: OtelBinding, resource: Resource, options: ExperimentLoggerProviderOptions = {}): LoggerProvider {
  const exporter = new SyvainLogRecordExporter(exporterOptions(binding));
  const processor = new BatchLogRecordProcessor({
    exporter,
    ...(options.scheduledDelayMillis === undefined ? {} : { scheduledDelayMillis: options.scheduledDelayMillis }),
  });
  return new LoggerProvider({ resource, processors: [processor] });
}

/** The providers an experiment made, so a run's end flushes them and `close()` shuts them down. */
export class OtelView {
  readonly #binding: OtelBinding;
  readonly #owned = new Set<OwnedProvider>();
  #resource: Resource | undefined;

  constructor(binding: OtelBinding) {
    this.#binding = binding;
  }

  /** How many providers it made and has not shut down. */
  get size(): number {
    return this.#owned.size;
  }

  get resource(): Resource {
    this.#resource ??= experimentResource(this.#binding);
    return this.#resource;
  }

  meterProvider(options?: ExperimentMeterProviderOptions): MeterProvider {
    return this.#own(createExperimentMeterProvider(this.#binding, this.resource, options));
  }

  loggerProvider(options?: ExperimentLoggerProviderOptions): LoggerProvider {
    return this.#own(createExperimentLoggerProvider(this.#binding, this.resource, options));
  }

  /** Never rejects: a provider that fails to flush leaves a `diag` warning from its exporter. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#owned].map((provider) => provider.forceFlush()));
  }

  async shutdown(): Promise<void> {
    const owned = [...this.#owned];
    this.#owned.clear();
    await Promise.allSettled(owned.map((provider) => provider.shutdown()));
  }

  #own<P extends OwnedProvider>(provider: P): P {
    this.#owned.add(provider);
    return provider;
  }
}
