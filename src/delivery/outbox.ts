/**
 * The delivery core of one experiment: a bounded in-memory outbox that callers feed synchronously
 * (O(1), no I/O) and that delivers in the background, in batches, a few requests at a time, with
 * retries, idempotency keys and exact accounting. `flush()` / `flushOrRaise()` / `close()` are the
 * only awaited parts. See `docs/architecture.md` ("Delivery semantics").
 */
import type { AnnotationEvent, ExperimentStatus, IngestResult, MetricEvent } from "../api/contract.ts";
import type { SyvainError } from "../api/errors.ts";
import { keepJsonBatch } from "../api/kept-batch.ts";
import { backoffDelay } from "../client/retry/index.ts";
import { Backlog, type Targets } from "./backlog.ts";
import { resolveDeliveryOptions, type ResolvedDeliveryOptions } from "./delivery-options.ts";
import { afterFailure, beginAttempt, park, toBatch, wake, type DeliveryRequest } from "./delivery-request.ts";
import { GiveUpNotice } from "./give-up-notice.ts";
import type { DeliveryOptions, DeliverySink, FlushStatus, OutboxStats } from "./delivery-types.ts";
import { DeliveryIncompleteError, overflowError, shutdownError, toSyvainError } from "./delivery-errors.ts";
import { parseFlushOptions, type FlushOptions } from "./flush-options.ts";
import { coveredStatus } from "./flush-coverage.ts";
import { FlushRounds, type FlushRound } from "./flush-round.ts";
import { deadlineIn, waitUntil } from "./deadline.ts";
import { countFlush, requestSettled, requestStarted } from "./requests-in-flight.ts";
import { flushStatusOf, KindCounters, statsOf, type OutboxCounters } from "./kind-counters.ts";
import type { OutboxJournal, SpoolKeeping } from "./journal/outbox-journal.ts";
import type { EventKind } from "./delivery-request.ts";
import { catchUpAll } from "./lagging-journals.ts";
import { newSpillRefill, type SpillMemoryStats, type SpillRefill } from "./spill-refill.ts";

export type { FlushOptions } from "./flush-options.ts";

/** The least the background waits after a flush deadline aborted requests (plus a growing backoff). */
const DEADLINE_HOLD_MS = 1000;
/** Retries of a close without a deadline (an owner that gave none): it must end all the same. */
const CLOSE_RETRIES_WITHOUT_DEADLINE = 3;

export interface OutboxOptions extends DeliveryOptions {
  sink: DeliverySink;
  /** Names this outbox in warnings and errors, e.g. `experiment "run-1"`. @default "outbox" */
  label?: string;
  /** Random in [0, 1) for retry jitter (tests inject it). @default Math.random */
  random?: () => number;
  /** Called once per overflow burst. @default process.emitWarning */
  onWarning?: (message: string) => void;
  /** The spool: every item is appended before it counts as queued, acknowledged once settled. */
  journal?: OutboxJournal;
  /**
   * Events queued below the spill window are appended to the journal in one pass at the end of the
   * caller's synchronous code instead of one call each (`SpillRefill.catchUp`). Only for owners
   * that never wait on the spool's durability for what they just queued (the facade); the bridge
   * awaits `whenDurable()` right after queueing. @default false
   */
  lazyJournal?: boolean;
}

export class Outbox {
  readonly #sink: DeliverySink;
  readonly #label: string;
  readonly #random: () => number;
  readonly #onWarning: (message: string) => void;
  readonly #options: ResolvedDeliveryOptions;
  readonly #counters: OutboxCounters = { metrics: new KindCounters(), annotations: new KindCounters(), statusUpdates: new KindCounters() };
  readonly #journal: OutboxJournal | undefined;
  readonly #lazyJournal: boolean;
  readonly #backlog: Backlog;
  /** With a journal: events past the memory window wait in the spool (`spill-refill.ts`). */
  readonly #spill: SpillRefill | undefined;
  readonly #rounds = new FlushRounds(
    () => this.#pump(),
    (round) => this.#backlog.roundWork(round),
  );
  #inFlight = 0;
  /** One per request in flight: a flush that reaches its deadline aborts those it covers. */
  readonly #aborts = new Map<DeliveryRequest, AbortController>();
  /** After a flush deadline cut requests short, the background starts nothing before this (epoch ms). */
  #holdUntil = 0;
  #deadlineCuts = 0;
  /** The background timer fired: send everything queued until the queues are empty. */
  #draining = false;
  /** A pump is scheduled for full batches (see `#afterEnqueue`). */
  #fullBatchScheduled = false;
  #flushTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryTimerAt = Infinity;
  #flushChain: Promise<unknown> = Promise.resolve();
  /** What the running flush covers, during and between its rounds. */
  #flushTargets: Targets | undefined;
  #retryableFailures = 0;
  /** A retryable failure since the last success: the next success wakes the waiting requests. */
  #failing = false;
  /** Who makes a request's next attempt: a flush round (its id) or the background (`undefined`). */
  readonly #attemptBy = new WeakMap<DeliveryRequest, number | undefined>();
  #syncFailed = false;
  #lastError: SyvainError | undefined;
  #overflowWarned = false;
  readonly #giveUps: GiveUpNotice;
  #closed = false;
  #closePromise: Promise<FlushStatus> | undefined;

  constructor(options: OutboxOptions) {
    const { sink, label, random, onWarning, journal, lazyJournal, ...delivery } = options;
    this.#journal = journal;
    this.#backlog = new Backlog(this.#counters, journal);
    this.#options = resolveDeliveryOptions(delivery, "Outbox");
    this.#lazyJournal = lazyJournal ?? false;
    this.#spill = journal && newSpillRefill(this.#backlog, journal, this.#options, () => this.#pump(), (message) => this.#warn(message), this.#lazyJournal);
    this.#sink = sink;
    this.#label = label ?? "outbox";
    this.#random = random ?? Math.random;
    this.#onWarning = onWarning ?? ((message) => process.emitWarning(message, "SyvainDeliveryWarning"));
    this.#giveUps = new GiveUpNotice(this.#label, this.#options.maxRetries, (message) => this.#warn(message));
  }

  /** True from the moment `close()` is called. */
  get isClosed(): boolean {
    return this.#closePromise !== undefined;
  }

  enqueueMetric(event: MetricEvent): void {
    this.#counters.metrics.enqueued++;
    if (this.isClosed) return this.#refuse(this.#counters.metrics);
    if (this.#spill === undefined) this.#backlog.pushMetric(event);
    else if (!this.#spill.metric(event)) return this.#dropNewest("metric");
    this.#afterEnqueue();
  }

  enqueueAnnotation(event: AnnotationEvent): void {
    this.#counters.annotations.enqueued++;
    if (this.isClosed) return this.#refuse(this.#counters.annotations);
    if (this.#spill === undefined) this.#backlog.pushAnnotation(event);
    else if (!this.#spill.annotation(event)) return this.#dropNewest("annotation");
    this.#afterEnqueue();
  }

  /** Memory figures and what spilled to the spool (`undefined` without a journal). */
  memoryStats(): SpillMemoryStats | undefined {
    return this.#spill?.stats();
  }

  enqueueStatus(status: ExperimentStatus): void {
    const counts = this.#counters.statusUpdates;
    counts.enqueued++;
    if (this.isClosed) {
      // Status updates are never evicted, so a refused one counts as failed, not dropped.
      counts.failed++;
      this.#lastError = shutdownError(this.#label);
      return;
    }
    // A status record follows its events on disk.
    this.#spill?.catchUp();
    this.#journal?.status(status);
    this.#backlog.pushStatus(status);
    if (this.#flushTimer === undefined && !this.#draining) this.#armFlushTimer();
  }

  /** The sink's sync (a JSONL file's fsync) at the end of the last flush failed: what it wrote may not be durable. */
  get syncFailed(): boolean {
    return this.#syncFailed;
  }

  /** With a spool: where what is not delivered stays on disk (for the loss report). */
  spoolKeeping(): SpoolKeeping | undefined {
    return this.#journal?.onDisk?.();
  }

  /** The process dies right after (a signal): the journal writes what it holds, synchronously. */
  persistSync(): void {
    // Every lagging outbox, not only this one: the first journal to persist closes the shared spool.
    catchUpAll();
    this.#journal?.persistSync?.();
  }

  stats(): OutboxStats {
    return statsOf(this.#counters, this.#lastError);
  }

  /** Sends everything pending now; never rejects except for invalid options. */
  async flush(options?: FlushOptions): Promise<FlushStatus> {
    const parsed = parseFlushOptions(options, `${this.#label}.flush()`);
    const deadline = deadlineIn(parsed.timeoutSeconds);
    return (await this.#queueFlush(parsed.retries, deadline)) ?? this.#status(0);
  }

  /**
   * `flush()` judged on what it covers: its pending counts are only of events enqueued before the
   * call, not of those queued while it ran (`flush-coverage.ts`). For owners that report a flush
   * as incomplete (the OTel exporters); `flush()` keeps the whole outbox's counts.
   */
  async flushCovered(options?: FlushOptions): Promise<FlushStatus> {
    const mark = this.#backlog.targets();
    const status = await this.flush(options);
    return coveredStatus(status, this.#backlog.pendingBefore(mark), this.#syncFailed);
  }

  async flushOrRaise(options?: FlushOptions): Promise<FlushStatus> {
    const status = await this.flush(options);
    if (!status.ok) throw new DeliveryIncompleteError(status, this.#label);
    return status;
  }

  /**
   * Flushes within `timeoutSeconds` (retryable failures are retried until then; 3 times without a
   * bound), then stops: later enqueues are counted as dropped. Idempotent.
   * Never throws; an invalid `timeoutSeconds` rejects (and closes nothing).
   */
  close(options?: { timeoutSeconds?: number }): Promise<FlushStatus> {
    if (this.#closePromise) return this.#closePromise;
    let parsed: ReturnType<typeof parseFlushOptions>;
    try {
      parsed = parseFlushOptions({ timeoutSeconds: options?.timeoutSeconds }, `${this.#label}.close()`);
    } catch (error) {
      return Promise.reject(toSyvainError(error, this.#label));
    }
    this.#closePromise = this.#closeNow(parsed.timeoutSeconds);
    return this.#closePromise;
  }

  async #closeNow(timeoutSeconds: number | undefined): Promise<FlushStatus> {
    const deadline = deadlineIn(timeoutSeconds);
    const failuresBefore = this.#retryableFailures;
    this.#spill?.catchUp();
    // Retried until the deadline: a close is the last chance for what memory holds (a first
    // failure ended it at once, within milliseconds of a 10 s deadline). Even past its deadline
    // the flush starts what it can: a local sink (JSONL) delivers at once.
    await waitUntil(this.#queueFlush(deadline === Infinity ? CLOSE_RETRIES_WITHOUT_DEADLINE : Number.MAX_SAFE_INTEGER, deadline), deadline);
    this.#closed = true;
    this.#spill?.stop();
    this.#rounds.abort();
    this.#clearTimers();
    try {
      await this.#sink.close();
    } catch (error) {
      this.#lastError = toSyvainError(error, this.#label);
    }
    return this.#status(this.#retryableFailures - failuresBefore);
  }

  /**
   * Runs a flush once the flushes queued before it are done. One of those may have no deadline:
   * ours bounds our wait for it, and when it runs out we do not flush at all (`undefined`).
   */
  #queueFlush(retries: number, deadline: number): Promise<FlushStatus | undefined> {
    const previous = this.#flushChain;
    const run = waitUntil(previous, deadline).then((ready) => (ready ? this.#flushNow(retries, deadline) : undefined));
    countFlush(run);
    this.#flushChain = Promise.all([previous, run]).catch(() => undefined);
    return run;
  }

  async #flushNow(retries: number, deadline: number): Promise<FlushStatus> {
    const failuresBefore = this.#retryableFailures;
    this.#syncFailed = false;
    const targets = this.#backlog.targets();
    this.#flushTargets = targets;
    try {
      for (let attempt = 0; !this.#closed; attempt++) {
        const failed = await this.#rounds.run(targets, deadline);
        if (failed === 0 || attempt >= retries || this.#closed || Date.now() >= deadline) break;
        await this.#rounds.sleep(Math.min(backoffDelay(attempt, { random: this.#random }), deadline - Date.now()));
      }
    } finally {
      this.#abortCovered(targets);
      this.#flushTargets = undefined;
      // Background retries of what the flush left pending resume now; not when closing, where
      // the close's own flush is the last attempt and a request started after it would be abandoned.
      if (!this.isClosed) this.#pump();
    }
    if (this.#sink.sync && !this.#closed) {
      try {
        await this.#sink.sync();
      } catch (error) {
        this.#syncFailed = true;
        this.#lastError = toSyvainError(error, this.#label);
      }
    }
    return this.#status(this.#retryableFailures - failuresBefore);
  }

  /**
   * A flush ends with requests it covers still in flight only at its deadline (or on close): it
   * aborts them, so no socket outlives the deadline and keeps the process alive for the request
   * timeout. Their sink rejects retryably, the items stay pending. The server did not answer in
   * time, so the background then waits (an unref'd timer) before starting anything new, rather
   * than sending the next batches straight into the same silence.
   */
  #abortCovered(targets: Targets): void {
    let cut = 0;
    for (const [request, controller] of this.#aborts) {
      if (request.lo >= targets[request.kind]) continue;
      controller.abort("the flush deadline passed");
      cut++;
    }
    if (cut === 0) return;
    this.#holdUntil = Date.now() + DEADLINE_HOLD_MS + backoffDelay(this.#deadlineCuts++, { random: this.#random });
  }

  #status(retryableFailures: number): FlushStatus {
    const status = flushStatusOf(this.#counters, retryableFailures, this.#lastError);
    if (this.#syncFailed) status.ok = false;
    return status;
  }

  #refuse(counts: KindCounters): void {
    counts.dropped++;
    this.#lastError = shutdownError(this.#label);
  }

  /** The spool refused an event with memory full and only spilled events left to evict (`SpillRefill`). */
  #dropNewest(kind: EventKind): void {
    this.#journal!.forgetLast(kind);
    this.#counters[kind === "metric" ? "metrics" : "annotations"].dropped++;
    this.#overflow();
  }

  #afterEnqueue(): void {
    if (this.#backlog.inMemory > this.#options.maxQueueItems) this.#overflow();
    if (this.#draining) return;
    if (this.#flushTimer === undefined) this.#armFlushTimer();
    // A full batch gains nothing by waiting for the flush delay: send it once the caller's
    // synchronous code is done (enqueue itself stays I/O-free). A pump that finds every request
    // slot taken leaves it queued; the next request to settle pumps again.
    if (!this.#fullBatchScheduled && this.#inFlight < this.#options.maxConcurrentRequests && this.#backlog.hasFullBatch(this.#options.maxBatchItems)) {
      this.#scheduleFullBatches();
    }
  }

  #scheduleFullBatches(): void {
    if (this.#closed) return;
    this.#fullBatchScheduled = true;
    // Unref'd like the flush timer: queued events alone never keep a process alive.
    setImmediate(() => {
      this.#fullBatchScheduled = false;
      this.#pump();
    }).unref();
  }

  #overflow(): void {
    this.#spill?.catchUp();
    this.#backlog.evict(this.#options.maxQueueItems);
    if (this.#overflowWarned) return;
    this.#overflowWarned = true;
    this.#lastError = overflowError(this.#label, this.#options.maxQueueItems);
    this.#warn(this.#lastError.message);
  }

  #warn(message: string): void {
    try {
      this.#onWarning(message);
    } catch {
      // A failing warning handler must not make enqueue throw (it never does).
    }
  }

  #armFlushTimer(): void {
    if (this.#closed) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.#draining = true;
      this.#pump();
    }, this.#options.flushDelaySeconds * 1000);
    this.#flushTimer.unref();
  }

  /** Starts every request that may start now, up to `maxConcurrentRequests`. */
  #pump(): void {
    if (this.#closed) return;
    const now = Date.now();
    this.#spill?.refill(now);
    while (this.#inFlight < this.#options.maxConcurrentRequests) {
      const request = this.#nextRequest(now);
      if (request === undefined) break;
      this.#send(request);
    }
    if (this.#backlog.queued === 0) {
      this.#draining = false;
      this.#overflowWarned = false;
    }
    this.#armRetryTimer(now);
    this.#rounds.check(now);
  }

  #nextRequest(now: number): DeliveryRequest | undefined {
    const round = this.#rounds.current;
    if (round === undefined && now < this.#holdUntil) return undefined;
    const head = this.#backlog.statuses[0];
    if (head && head.state !== "in_flight" && this.#backlog.statusReady(head) && this.#mayStart(head, round, now)) return head;
    for (const batch of this.#backlog.batches) if (batch.state !== "in_flight" && this.#mayStart(batch, round, now)) return batch;
    const fresh = this.#backlog.takeBatch(this.#options.maxBatchItems, this.#draining, round?.targets);
    if (fresh) this.#attemptBy.set(fresh, round && fresh.lo < round.targets[fresh.kind] ? round.id : undefined);
    return fresh;
  }

  /**
   * A flush round attempts each of its requests once, not before `Retry-After`; the background
   * waits for backoff. While a flush runs it alone retries what it covers, so neither budget
   * spends the other's.
   */
  #mayStart(request: DeliveryRequest, round: FlushRound | undefined, now: number): boolean {
    const targets = this.#flushTargets;
    if (targets !== undefined && request.lo < targets[request.kind]) {
      if (round === undefined || request.round === round.id || request.notBefore > now) return false;
      this.#attemptBy.set(request, round.id);
      return true;
    }
    this.#attemptBy.set(request, undefined);
    return request.dueAt <= now;
  }

  #send(request: DeliveryRequest): void {
    if (!this.#failing) this.#spill?.delivering(true);
    beginAttempt(request, this.#attemptBy.get(request));
    this.#attemptBy.delete(request);
    this.#inFlight++;
    requestStarted();
    const abort = new AbortController();
    this.#aborts.set(request, abort);
    // With a spool, an event is serialised once for its record and its request body: whichever comes
    // first keeps its JSON, the other reuses it; here, a whole batch at once (kept-batch.ts). Not
    // while a lazy journal's owner (the facade) is delivering: an event delivered within the spool's
    // flush interval is never written (spool/write-window.ts), so keeping its JSON would be wasted.
    if (this.#keepsJsonAtSend() && request.kind !== "status") keepJsonBatch(request.kind === "metric" ? "metrics" : "annotations", request.items);
    let delivery: Promise<IngestResult>;
    try {
      delivery = this.#sink.deliver(toBatch(request), abort.signal);
    } catch (error) {
      delivery = Promise.reject(toSyvainError(error, this.#label));
    }
    void delivery.then(
      (result) => this.#settled(request, result),
      (error: unknown) => this.#settled(request, undefined, toSyvainError(error, this.#label)),
    );
  }

  #keepsJsonAtSend(): boolean {
    return this.#journal !== undefined && (!this.#lazyJournal || this.#failing);
  }

  #settled(request: DeliveryRequest, result: IngestResult | undefined, error?: SyvainError): void {
    this.#inFlight--;
    requestSettled();
    this.#aborts.delete(request);
    if (error === undefined) {
      this.#deadlineCuts = 0;
      const duplicates = typeof result?.duplicates === "number" ? result.duplicates : 0;
      this.#backlog.settle(request, "accepted", duplicates);
      if (this.#failing) this.#recovered();
    } else this.#onFailure(request, error);
    this.#pump();
  }

  #onFailure(request: DeliveryRequest, error: SyvainError): void {
    this.#lastError = error;
    if (request.kind !== "status" && error.code === "payload_too_large" && request.items.length > 1) {
      return this.#backlog.split(request);
    }
    if (error.retryable) {
      this.#retryableFailures++;
      this.#failing = true;
      this.#spill?.delivering(false);
      if (request.flushAttempt) this.#rounds.countFailure(request.round);
    }
    const now = Date.now();
    const decision = afterFailure(request, error, this.#options.maxRetries, now, this.#random());
    if (decision.retry) return;
    if (decision.reason === "retries_exhausted") {
      // `maxRetries` bounds this process's background attempts; a spool keeps what they did not deliver.
      this.#giveUps.gaveUp(request, error, this.spoolKeeping());
      if (this.#journal !== undefined) return park(request, error, now);
    }
    // The one place a request is given up: permanent failure, or its retries spent without a spool.
    this.#backlog.settle(request, "failed", 0, error);
  }

  /**
   * A success after retryable failures: Syvain is back, so what waits for its backoff (up to
   * 30 s per batch) is due now, within `maxConcurrentRequests`; `Retry-After` still holds.
   */
  #recovered(): void {
    this.#failing = false;
    this.#giveUps.recovered();
    const now = Date.now();
    for (const batch of this.#backlog.batches) wake(batch, now);
    const head = this.#backlog.statuses[0];
    if (head) wake(head, now);
  }

  /** One unref'd timer for the earliest background retry: retries alone never keep a process alive. */
  #armRetryTimer(now: number): void {
    // While holding, wake at the hold's end: that pump re-arms for whatever comes next.
    const next = this.#holdUntil > now ? this.#holdUntil : this.#backlog.nextRetryAt(now);
    if (next === this.#retryTimerAt) return;
    // An earlier timer still to fire will re-arm for this one.
    if (this.#retryTimer !== undefined && this.#retryTimerAt <= next && this.#retryTimerAt > now) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#retryTimerAt = next;
    if (next === Infinity) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#retryTimerAt = Infinity;
      this.#pump();
    }, next - now);
    this.#retryTimer.unref();
  }

  #clearTimers(): void {
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#retryTimer);
    this.#flushTimer = this.#retryTimer = undefined;
    this.#retryTimerAt = Infinity;
  }
}
