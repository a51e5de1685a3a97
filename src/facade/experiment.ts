/**
 * One experiment of one run: validated events go straight into its outbox (no I/O in `metric()`),
 * status updates go through the same outbox so they stay ordered with the events, and the run
 * helpers add the Python SDK's best-effort flush and process hooks. The three collectors differ
 * only in the sink behind the outbox.
 */
import type { Experiment as ExperimentRecord, ExperimentStatus, JsonObject } from "../api/contract.ts";
import { SyvainError } from "../api/errors.ts";
import { flushOrRaiseDefaults, runDefaults } from "../config/defaults.ts";
import { DeliveryIncompleteError } from "../delivery/delivery-errors.ts";
import { deadlineIn, secondsUntil } from "../delivery/deadline.ts";
import type { Outbox } from "../delivery/outbox.ts";
import type { DeliverySink, FlushStatus } from "../delivery/delivery-types.ts";
import type { ExperimentJournals } from "../exporter/otel/experiment-journals.ts";
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
  MetricMetadataCopies,
  validateMetricName,
  validateMetricValue,
  validateOptionsObject,
  validateStep,
} from "./validate-event.ts";
import { emitProcessWarning, type WarningSink } from "./warnings.ts";
import { RunGuard } from "./run-guard.ts";
import type { AnnotationOptions, ExperimentStats, FlushOrRaiseOptions, MetricOptions, RunOptions } from "./experiment-types.ts";
import { OtelView, withViewUndelivered, type ExperimentLoggerProviderOptions, type ExperimentMeterProviderOptions } from "./otel-view.ts";

export interface ExperimentInit {
  record: ExperimentRecord;
  outbox: Outbox;
  /** The sink behind the outbox, shared with the OTel view's exporters. */
  sink: DeliverySink;
  /** Deferred creation: resolves with the server's id once Syvain has created the experiment. */
  created?: Promise<string>;
  /** The spool's journals for the OTel view's outboxes (when the collector spools). */
  otelJournals?: ExperimentJournals;
  /** Deadline of the best-effort flushes (end of `run()`, process hooks). */
  exitFlushTimeoutSeconds: number;
  hooks?: ProcessHooks;
  /** Flush what is still queued when the event loop empties, even without `run()`. @default true */
  flushOnExit?: boolean;
  /** The process is ending and this experiment's flush is over: give up creations still waiting for Syvain (run-guard.ts). */
  abandonCreations?: () => void;
  onWarning?: WarningSink;
  now?: () => number;
}

/** One transient 503 at the end of a job should not fail it. */
const DEFAULT_RAISE_RETRIES = flushOrRaiseDefaults.retries.default;
/**
 * Without a bound, a server that accepts connections and never answers would hold `flushOrRaise()`
 * for (retries + 1) × `ingestTimeout` (4 minutes by default). A minute lets a slow server finish a
 * large backlog, and a hung one fail the job in a time a person waits for.
 */
export const DEFAULT_RAISE_TIMEOUT_SECONDS = flushOrRaiseDefaults.timeoutSeconds.default;
const METRIC_OPTIONS = ["step", "metadata", "timestamp"] as const;
const ANNOTATION_OPTIONS = ["metadata", "timestamp"] as const;

/** What `experiment.running()` returns: `await using run = experiment.running()`. */
export interface RunScope extends AsyncDisposable {
  readonly experiment: Experiment;
  /** Marks the run failed: `await using` cannot see the exception, so call this in a `catch`. */
  fail(): void;
}

export class Experiment implements AsyncDisposable {
  readonly slug: string;
  readonly description: string | null;
  readonly folderId: string | null;
  /** Run-level facts, as sent at creation. */
  readonly meta: JsonObject;
  /** The random token that prefixes this object's `client_event_id`s. */
  readonly runToken: string;

  #id: string;
  readonly #outbox: Outbox;
  readonly #lifecycle: Lifecycle;
  readonly #ids = new EventIdSequence();
  readonly #metadataCopies = new MetricMetadataCopies();
  readonly #exitFlushTimeoutSeconds: number;
  readonly #now: () => number;
  readonly #label: string;
  /** Error-message prefixes, built once rather than on every call. */
  readonly #metricOwner: string;
  readonly #annotationOwner: string;
  readonly #otel: OtelView;
  readonly #guard: RunGuard;
  /** Inside a `run()` block or a `running()` scope: the process ending there means the run did not finish. */
  #inRunBlock = false;
  #closed = false;

  /** @internal Made by `collector.experiment()`. */
  constructor(init: ExperimentInit) {
    this.#id = init.record.id;
    void init.created?.then((id) => (this.#id = id));
    this.slug = init.record.slug;
    this.description = init.record.description;
    this.folderId = init.record.folder_id;
    this.meta = init.record.metadata;
    this.runToken = this.#ids.runToken;
    this.#outbox = init.outbox;
    this.#label = `experiment ${JSON.stringify(this.slug)}`;
    this.#metricOwner = `${this.#label}.metric()`;
    this.#annotationOwner = `${this.#label}.annotation()`;
    // This process has not started it, whatever the server says (a reused experiment may be `done`).
    this.#lifecycle = new Lifecycle(this.#label);
    this.#exitFlushTimeoutSeconds = init.exitFlushTimeoutSeconds;
    this.#now = init.now ?? Date.now;
    this.#otel = new OtelView({
      slug: this.slug,
      description: this.description,
      folderId: this.folderId,
      meta: this.meta,
      sink: init.sink,
      timeoutSeconds: init.exitFlushTimeoutSeconds,
      ...(init.otelJournals === undefined ? {} : { journals: init.otelJournals }),
    });
    this.#guard = new RunGuard({
      label: this.#label,
      outbox: this.#outbox,
      otel: this.#otel,
      hooks: init.hooks ?? processHooks(),
      warn: init.onWarning ?? emitProcessWarning,
      timeoutSeconds: init.exitFlushTimeoutSeconds,
      mark: (end) => this.#markForProcessEnd(end),
      flushOnExit: init.flushOnExit ?? true,
      ...(init.abandonCreations === undefined ? {} : { abandonCreations: init.abandonCreations }),
    });
  }

  /**
   * The server's id (`local:<slug>` for JSONL and no-op collectors, and offline). `pending:<slug>`
   * while its creation waits for Syvain (unreachable when the run started, with the spool on): the
   * server's id once it is created.
   */
  get id(): string {
    return this.#id;
  }

  /** `created`, `running`, `done` or `failed`, as this process last set it. */
  get status(): ExperimentStatus {
    return this.#lifecycle.status;
  }

  /**
   * Queues one metric point; validates first and throws `SyvainValidationError` on bad input. No I/O.
   *
   * After `done()` / `fail()` (or the end of `run()`) points are still accepted and delivered, after
   * the terminal status, and the status stays as it is: a final evaluation after training is data
   * too, the Python SDK accepts it as well, and the service stores events of a finished experiment.
   * Only `close()` ends intake (a `shutdown` error). Late points are flushed by the next
   * `flush()`/`flushOrRaise()`, the background, or the exit safety net (`flushOnExit`).
   */
  metric(name: string, value: number, options: MetricOptions): void {
    this.#assertOpen();
    const owner = this.#metricOwner;
    const validName = validateMetricName(name, owner);
    const validValue = validateMetricValue(value, owner);
    const given = validateOptionsObject(options, owner);
    checkKnownKeys(given, METRIC_OPTIONS, owner);
    const step = validateStep(given, owner);
    const metadata = this.#metadataCopies.copy(given.metadata, owner);
    const timestamp = normalizeTimestamp(given.timestamp, owner, this.#now);
    this.#outbox.enqueueMetric({ client_event_id: this.#ids.next(), name: validName, value: validValue, step, timestamp, metadata });
    this.#guard.armExitFlush();
  }

  /** Queues a text event (checkpoint, phase change, incident, link). No I/O. Accepted after `done()` like `metric()`. */
  annotation(text: string, options: AnnotationOptions = {}): void {
    this.#assertOpen();
    const owner = this.#annotationOwner;
    const validText = validateAnnotationText(text, owner);
    const given = validateOptionsObject(options, owner);
    checkKnownKeys(given, ANNOTATION_OPTIONS, owner);
    const metadata = validateAnnotationMetadata(given.metadata, owner);
    const timestamp = normalizeTimestamp(given.timestamp, owner, this.#now);
    this.#outbox.enqueueAnnotation({ client_event_id: this.#ids.next(), text: validText, timestamp, metadata });
    this.#guard.armExitFlush();
  }

  /**
   * Marks the experiment `running` (queued, ordered with events; no flush). Throws a
   * `SyvainValidationError` (field `status`) once the experiment is `done` or `failed`.
   */
  start(options: RunOptions = {}): void {
    this.#assertOpen();
    this.#transition("start");
    // A supervisor that owns exit owns it for everything: the exit safety net steps aside too.
    if (options.installHooks === false) this.#guard.forbidExitFlush();
    if (options.installHooks ?? runDefaults.installHooks.default) this.#guard.acquire();
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
    this.#inRunBlock = true;
    let result: T;
    try {
      result = await block(this);
    } catch (error) {
      this.#inRunBlock = false;
      await this.#guard.finishRun(() => this.#transition("fail"), "run()");
      throw error;
    }
    this.#inRunBlock = false;
    await this.#guard.finishRun(() => this.#transition("done"), "run()");
    return result;
  }

  /**
   * The `await using` form of `run()`: starts now; disposal marks `done` (unless `fail()` was
   * called) and makes the best-effort flush.
   */
  running(options: RunOptions = {}): RunScope {
    this.start(options);
    this.#inRunBlock = true;
    return {
      experiment: this,
      fail: () => this.#transition("fail"),
      [Symbol.asyncDispose]: async () => {
        this.#inRunBlock = false;
        await this.#guard.finishRun(() => this.#transition("done"), "running() scope");
      },
    };
  }

  /**
   * One non-raising flush attempt, of the OTel view's providers too; the status says what is still
   * pending, failed or dropped, theirs included.
   */
  async flush(): Promise<FlushStatus> {
    return this.#flushAndSettle({ retries: 0 });
  }

  /**
   * Flushes (3 retries and 60 s by default, see `FlushOrRaiseOptions`; the OTel view's providers
   * within the same deadline) and raises `DeliveryIncompleteError` (carrying the status) if
   * anything is pending, failed or dropped, theirs included.
   */
  async flushOrRaise(options: FlushOrRaiseOptions = {}): Promise<FlushStatus> {
    const status = await this.#flushAndSettle({
      ...options,
      retries: options.retries ?? DEFAULT_RAISE_RETRIES,
      timeoutSeconds: options.timeoutSeconds ?? DEFAULT_RAISE_TIMEOUT_SECONDS,
    });
    if (!status.ok) throw new DeliveryIncompleteError(status, this.#label);
    return status;
  }

  /**
   * An explicit flush, for the OTel view too and within one deadline, as `close()`: the view's
   * providers first (their points before a status the outbox may hold), then the outbox in the time
   * left; the status counts what either did not deliver. What it delivered may leave nothing for
   * the process hooks or the exit net to guard.
   */
  async #flushAndSettle(options: FlushOrRaiseOptions): Promise<FlushStatus> {
    const deadline = deadlineIn(options.timeoutSeconds);
    await this.#otel.flush(deadline);
    const left = secondsUntil(deadline);
    const outboxStatus = await this.#outbox.flush({ ...options, ...(left === undefined ? {} : { timeoutSeconds: left }) });
    const status = withViewUndelivered(outboxStatus, this.#otel.undelivered());
    this.#guard.releaseIfSettled(this.#lifecycle.isFinished, status);
    this.#guard.disarmIfDrained();
    return status;
  }

  /**
   * Lifetime counters per kind (enqueued, accepted, pending, failed, dropped) of what
   * `metric()` / `annotation()` / the status updates queued, and in `view` those of its OTel view's
   * providers (`null` without any): their points go to the same experiment through exporters of
   * their own, so they are counted apart rather than summed in.
   */
  stats(): ExperimentStats {
    return { ...this.#outbox.stats(), view: this.#otel.stats() };
  }

  /** Drains (within the deadline) and closes the outbox, and removes process hooks. Idempotent. */
  async close(options: { timeoutSeconds?: number } = {}): Promise<FlushStatus> {
    this.#closed = true;
    // The close drains (its pending I/O keeps the process alive); no safety net after it.
    this.#guard.forbidExitFlush();
    try {
      // One deadline for both: the OTel view's providers drain first (their points before the status
      // the outbox may still hold), then the outbox gets what is left. Each had the whole deadline,
      // so an experiment with a view took twice exitFlushTimeoutSeconds during an outage.
      // The caller's `timeoutSeconds`, longer or shorter, is the view's deadline too (not its own
      // exitFlushTimeoutSeconds): a longer one gave the view's points up early, a shorter one left
      // the view's exporters draining after close() returned. Awaited to the end: its exporters,
      // told the deadline, close at it, and what they gave up is then counted in the status below.
      const deadline = deadlineIn(options.timeoutSeconds ?? this.#exitFlushTimeoutSeconds);
      await this.#otel.shutdown(deadline);
      const status = withViewUndelivered(await this.#outbox.close({ timeoutSeconds: secondsUntil(deadline) }), this.#otel.undelivered());
      if (!status.ok) this.#guard.warnUndelivered("close()");
      return status;
    } finally {
      this.#guard.release();
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
   * step-wise points). Flushed at the end of `run()` and by `flush()` / `flushOrRaise()`, shut down
   * by `close()`; their statuses count what its exporter did not deliver.
   */
  createMeterProvider(options?: ExperimentMeterProviderOptions): MeterProvider {
    this.#assertOpen();
    this.#guard.armExitFlush();
    return this.#otel.meterProvider(options);
  }

  /** A `LoggerProvider` whose log records become this experiment's annotations. */
  createLoggerProvider(options?: ExperimentLoggerProviderOptions): LoggerProvider {
    this.#assertOpen();
    this.#guard.armExitFlush();
    return this.#otel.loggerProvider(options);
  }

  #transition(transition: Transition): void {
    const status = this.#lifecycle.apply(transition);
    if (status === undefined) return;
    this.#outbox.enqueueStatus(status);
    this.#guard.armExitFlush();
  }

  #assertOpen(): void {
    if (this.#closed) throw new SyvainError("shutdown", `${this.#label} is closed`);
  }

  /** The process is ending before the run did (see `RunGuard`). */
  #markForProcessEnd(end: ProcessEnd): void {
    // A clean exit completes a `start()`ed run; a signal, an error, a failing exit code, or the
    // event loop running dry in the middle of a run block (a promise that never settles) fail it.
    const completed = end.kind === "exit" && end.exitCode === 0 && !this.#inRunBlock;
    if (!this.#closed) this.#transition(completed ? "done" : "fail");
  }
}
