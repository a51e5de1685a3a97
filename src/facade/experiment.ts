/**
 * One experiment of one run: validated events go straight into its outbox (no I/O in `metric()`),
 * status updates go through the same outbox so they stay ordered with the events, and the run
 * helpers add the Python SDK's best-effort flush and process hooks. The three collectors differ
 * only in the sink behind the outbox.
 */
import type { Experiment as ExperimentRecord, ExperimentStatus, JsonObject } from "../exporter/api/contract.ts";
import { DeliveryIncompleteError, SyvainError } from "../errors.ts";
import type { Outbox } from "../exporter/delivery/outbox.ts";
import type { DeliverySink, FlushStatus, OutboxStats } from "../exporter/delivery/delivery-types.ts";
import type { Resource } from "@opentelemetry/resources";
import type { LoggerProvider } from "@opentelemetry/sdk-logs";
import type { MeterProvider } from "@opentelemetry/sdk-metrics";
import { EventIdSequence } from "./event-ids.ts";
import { Lifecycle, type Transition } from "./lifecycle.ts";
import { processHooks, type ProcessEnd, type ProcessHooks } from "./process-hooks.ts";
import { checkKnownKeys } from "./validate-keys.ts";
import {
  normalizeTimestamp,
  validateAnnotationMetadata,
  validateAnnotationText,
  validateMetricMetadata,
  validateMetricName,
  validateMetricValue,
  validateOptionsObject,
  validateStep,
} from "./validate-event.ts";
import { emitProcessWarning, type WarningSink } from "./warnings.ts";
import type { AnnotationOptions, FlushOrRaiseOptions, MetricOptions, RunOptions, RunScope } from "./experiment-types.ts";
import { OtelView, type ExperimentLoggerProviderOptions, type ExperimentMeterProviderOptions } from "./otel-view.ts";

export interface ExperimentInit {
  record: ExperimentRecord;
  outbox: Outbox;
  /** The sink behind the outbox, shared with the OTel view's exporters. */
  sink: DeliverySink;
  /** Deadline of the best-effort flushes (end of `run()`, process hooks). */
  exitFlushTimeoutSeconds: number;
  hooks?: ProcessHooks;
  onWarning?: WarningSink;
  now?: () => number;
}

const BEST_EFFORT_RETRIES = 3;
const METRIC_OPTIONS = ["step", "metadata", "timestamp"] as const;
const ANNOTATION_OPTIONS = ["metadata", "timestamp"] as const;

export class Experiment implements AsyncDisposable {
  /** The server's id (`local:<slug>` for JSONL and no-op collectors). */
  readonly id: string;
  readonly slug: string;
  readonly description: string | null;
  readonly folderId: string | null;
  /** Run-level facts, as sent at creation. */
  readonly meta: JsonObject;
  /** The random token that prefixes this object's `client_event_id`s. */
  readonly runToken: string;

  readonly #outbox: Outbox;
  readonly #lifecycle: Lifecycle;
  readonly #ids = new EventIdSequence();
  readonly #exitFlushTimeoutSeconds: number;
  readonly #hooks: ProcessHooks;
  readonly #warn: WarningSink;
  readonly #now: () => number;
  readonly #label: string;
  readonly #otel: OtelView;
  #releaseHooks: (() => void) | undefined;
  #closed = false;

  constructor(init: ExperimentInit) {
    this.id = init.record.id;
    this.slug = init.record.slug;
    this.description = init.record.description;
    this.folderId = init.record.folder_id;
    this.meta = init.record.metadata;
    this.runToken = this.#ids.runToken;
    this.#outbox = init.outbox;
    this.#label = `experiment ${JSON.stringify(this.slug)}`;
    // This process has not started it, whatever the server says (a reused experiment may be `done`).
    this.#lifecycle = new Lifecycle(this.#label);
    this.#exitFlushTimeoutSeconds = init.exitFlushTimeoutSeconds;
    this.#hooks = init.hooks ?? processHooks();
    this.#warn = init.onWarning ?? emitProcessWarning;
    this.#now = init.now ?? Date.now;
    this.#otel = new OtelView({
      slug: this.slug,
      description: this.description,
      folderId: this.folderId,
      meta: this.meta,
      sink: init.sink,
      timeoutSeconds: init.exitFlushTimeoutSeconds,
    });
  }

  /** `created`, `running`, `done` or `failed`, as this process last set it. */
  get status(): ExperimentStatus {
    return this.#lifecycle.status;
  }

  /** Queues one metric point; validates first and throws `SyvainValidationError` on bad input. No I/O. */
  metric(name: string, value: number, options: MetricOptions): void {
    this.#assertOpen();
    const owner = `${this.#label}.metric()`;
    const validName = validateMetricName(name, owner);
    const validValue = validateMetricValue(value, owner);
    const given = validateOptionsObject(options, owner);
    checkKnownKeys(given, METRIC_OPTIONS, owner);
    const step = validateStep(given, owner);
    const metadata = validateMetricMetadata(given.metadata, owner);
    const timestamp = normalizeTimestamp(given.timestamp, owner, this.#now);
    this.#outbox.enqueueMetric({ client_event_id: this.#ids.next(), name: validName, value: validValue, step, timestamp, metadata });
  }

  /** Queues a text event (checkpoint, phase change, incident, link). No I/O. */
  annotation(text: string, options: AnnotationOptions = {}): void {
    this.#assertOpen();
    const owner = `${this.#label}.annotation()`;
    const validText = validateAnnotationText(text, owner);
    const given = validateOptionsObject(options, owner);
    checkKnownKeys(given, ANNOTATION_OPTIONS, owner);
    const metadata = validateAnnotationMetadata(given.metadata, owner);
    const timestamp = normalizeTimestamp(given.timestamp, owner, this.#now);
    this.#outbox.enqueueAnnotation({ client_event_id: this.#ids.next(), text: validText, timestamp, metadata });
  }

  /** Marks the experiment `running` (queued, ordered with events; no flush). */
  start(options: RunOptions = {}): void {
    this.#assertOpen();
    this.#transition("start");
    if (options.installHooks ?? true) this.#acquireHooks();
  }

  /** Marks the experiment `done` (no flush: call `flush()` or `flushOrRaise()` after). */
  done(): void {
    this.#assertOpen();
    this.#transition("done");
  }

  /** Marks the experiment `failed` (no flush). */
  fail(): void {
    this.#assertOpen();
    this.#transition("fail");
  }

  /**
   * Runs `block` as this experiment's run: `running`, then `done`, or `failed` if it throws (the
   * error propagates), then a best-effort flush (3 retries, a warning if delivery stays
   * incomplete, never raises).
   */
  async run<T>(block: (experiment: this) => T | Promise<T>, options: RunOptions = {}): Promise<T> {
    this.start(options);
    let result: T;
    try {
      result = await block(this);
    } catch (error) {
      this.#transition("fail");
      await this.#endRun("run()");
      throw error;
    }
    this.#transition("done");
    await this.#endRun("run()");
    return result;
  }

  /**
   * The `await using` form of `run()`: starts now; disposal marks `done` (unless `fail()` was
   * called) and makes the best-effort flush.
   */
  running(options: RunOptions = {}): RunScope {
    this.start(options);
    return {
      experiment: this,
      fail: () => this.#transition("fail"),
      [Symbol.asyncDispose]: async () => {
        this.#transition("done");
        await this.#endRun("running() scope");
      },
    };
  }

  /** One non-raising flush attempt; the status says what is still pending, failed or dropped. */
  async flush(): Promise<FlushStatus> {
    const status = await this.#outbox.flush({ retries: 0 });
    this.#releaseIfSettled(status);
    return status;
  }

  /** Flushes and raises `DeliveryIncompleteError` (carrying the status) if anything is pending, failed or dropped. */
  async flushOrRaise(options: FlushOrRaiseOptions = {}): Promise<FlushStatus> {
    const status = await this.#outbox.flush(options);
    this.#releaseIfSettled(status);
    if (!status.ok) throw new DeliveryIncompleteError(status, this.#label);
    return status;
  }

  /** Lifetime counters per kind (enqueued, accepted, pending, failed, dropped). */
  stats(): OutboxStats {
    return this.#outbox.stats();
  }

  /** Drains (within the deadline) and closes the outbox, and removes process hooks. Idempotent. */
  async close(options: { timeoutSeconds?: number } = {}): Promise<FlushStatus> {
    this.#closed = true;
    try {
      await this.#otel.shutdown();
      return await this.#outbox.close({ timeoutSeconds: options.timeoutSeconds ?? this.#exitFlushTimeoutSeconds });
    } finally {
      this.#release();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The OpenTelemetry `Resource` naming this experiment (slug, description, folder, flattened meta). */
  get resource(): Resource {
    return this.#otel.resource;
  }

  /**
   * A `MeterProvider` whose metrics land in this experiment (give instruments a `step` attribute for
   * step-wise points). Flushed at the end of `run()`, shut down by `close()`.
   */
  createMeterProvider(options?: ExperimentMeterProviderOptions): MeterProvider {
    this.#assertOpen();
    return this.#otel.meterProvider(options);
  }

  /** A `LoggerProvider` whose log records become this experiment's annotations. */
  createLoggerProvider(options?: ExperimentLoggerProviderOptions): LoggerProvider {
    this.#assertOpen();
    return this.#otel.loggerProvider(options);
  }

  #transition(transition: Transition): void {
    const status = this.#lifecycle.apply(transition);
    if (status !== undefined) this.#outbox.enqueueStatus(status);
  }

  #assertOpen(): void {
    if (this.#closed) throw new SyvainError("shutdown", `${this.#label} is closed`);
  }

  #acquireHooks(): void {
    this.#releaseHooks ??= this.#hooks.register({
      deadlineMs: this.#exitFlushTimeoutSeconds * 1000,
      onProcessEnd: (end) => this.#onProcessEnd(end),
    });
  }

  #release(): void {
    const release = this.#releaseHooks;
    this.#releaseHooks = undefined;
    release?.();
  }

  /** After a terminal status, a flush that delivered everything means nothing is left to guard. */
  #releaseIfSettled(status: FlushStatus): void {
    if (this.#lifecycle.isFinished && status.ok) this.#release();
  }

  async #onProcessEnd(end: ProcessEnd): Promise<void> {
    if (!this.#closed) this.#transition(end.kind === "exit" && end.exitCode === 0 ? "done" : "fail");
    const context = end.kind === "signal" ? end.signal : end.kind === "error" ? "an uncaught error" : "process exit";
    await this.#bestEffortFlush(context);
    this.#release();
  }

  async #endRun(context: string): Promise<void> {
    await this.#bestEffortFlush(context);
    this.#release();
  }

  /** Never raises: the data stays queued and a warning says what is missing. */
  async #bestEffortFlush(context: string): Promise<void> {
    if (this.#closed) return;
    await this.#otel.flush();
    try {
      const status = await this.#outbox.flush({ retries: BEST_EFFORT_RETRIES, timeoutSeconds: this.#exitFlushTimeoutSeconds });
      if (!status.ok) this.#warn(`${new DeliveryIncompleteError(status, this.#label).message} (best-effort flush after ${context})`);
    } catch (error) {
      this.#warn(`${this.#label}: best-effort flush after ${context} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
