/**
 * The delivery core of one experiment: a bounded in-memory outbox that callers feed synchronously
 * (O(1), no I/O) and that delivers in the background, in batches, a few requests at a time, with
 * retries, idempotency keys and exact accounting. `flush()` / `flushOrRaise()` / `close()` are the
 * only awaited parts. See `shared/design.md` ("Delivery semantics").
 */
import type { AnnotationEvent, ExperimentStatus, IngestResult, MetricEvent } from "../api/contract.ts";
import type { SyvainError } from "../../errors.ts";
import { DeliveryIncompleteError } from "../../errors.ts";
import { backoffDelay } from "../retry/index.ts";
import { ChunkedQueue } from "./chunked-queue.ts";
import { resolveDeliveryOptions, type ResolvedDeliveryOptions } from "./delivery-options.ts";
import {
  dropOldestItem,
  newEventRequest,
  newStatusRequest,
  sizeOf,
  splitEventRequest,
  toBatch,
  type DeliveryRequest,
  type EventKind,
  type EventRequest,
  type StatusRequest,
} from "./delivery-request.ts";
import type { DeliveryOptions, DeliverySink, FlushStatus, OutboxStats } from "./delivery-types.ts";
import { parseFlushOptions, type FlushOptions } from "./flush-options.ts";
import { FlushRounds, type FlushRound } from "./flush-round.ts";
import { flushStatusOf, KindCounters, statsOf, type OutboxCounters } from "./kind-counters.ts";
import { toSyvainError, shutdownError, overflowError } from "./delivery-errors.ts";

export type { FlushOptions } from "./flush-options.ts";

export interface OutboxOptions extends DeliveryOptions {
  sink: DeliverySink;
  /** Names this outbox in warnings and errors, e.g. `experiment "run-1"`. @default "outbox" */
  label?: string;
  /** Random in [0, 1) for retry jitter (tests inject it). @default Math.random */
  random?: () => number;
  /** Called once per overflow burst. @default process.emitWarning */
  onWarning?: (message: string) => void;
}

export class Outbox {
  readonly #sink: DeliverySink;
  readonly #label: string;
  readonly #random: () => number;
  readonly #onWarning: (message: string) => void;
  readonly #options: ResolvedDeliveryOptions;
  readonly #counters: OutboxCounters = { metrics: new KindCounters(), annotations: new KindCounters(), statusUpdates: new KindCounters() };
  readonly #metricQueue = new ChunkedQueue<MetricEvent>();
  readonly #annotationQueue = new ChunkedQueue<AnnotationEvent>();
  /** Per kind: items that entered the queue, and the index of the oldest one still in it. */
  readonly #pushed = { metric: 0, annotation: 0, status: 0 };
  readonly #headIndex = { metric: 0, annotation: 0 };
  /** Unsettled event batches (in flight or waiting for a retry), oldest first. */
  readonly #batches = new Set<EventRequest>();
  /** Unsettled status updates, in order; only the first is ever sent. Few, so a plain array. */
  readonly #statuses: StatusRequest[] = [];
  readonly #rounds = new FlushRounds(() => this.#pump(), (round) => this.#roundWork(round));
  #seq = 0;
  #inFlight = 0;
  #draining = false;
  #flushTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryTimerAt = Infinity;
  #flushChain: Promise<unknown> = Promise.resolve();
  /** What the running flush covers (its rounds' targets), between and during its rounds. */
  #flushTargets: FlushRound["targets"] | undefined;
  #retryableFailures = 0;
  #syncFailed = false;
  #lastError: SyvainError | undefined;
  #overflowWarned = false;
  #closing = false;
  #closed = false;
  #closePromise: Promise<FlushStatus> | undefined;

  constructor(options: OutboxOptions) {
    const { sink, label, random, onWarning, ...delivery } = options;
    this.#options = resolveDeliveryOptions(delivery, "Outbox");
    this.#sink = sink;
    this.#label = label ?? "outbox";
    this.#random = random ?? Math.random;
    this.#onWarning = onWarning ?? ((message) => process.emitWarning(message, "SyvainDeliveryWarning"));
  }

  get isClosed(): boolean {
    return this.#closing;
  }

  enqueueMetric(event: MetricEvent): void {
    const counts = this.#counters.metrics;
    counts.enqueued++;
    if (this.#closing) return this.#refuse(counts);
    this.#metricQueue.push(event, this.#seq++);
    this.#pushed.metric++;
    counts.pending++;
    this.#afterEnqueue();
  }

  enqueueAnnotation(event: AnnotationEvent): void {
    const counts = this.#counters.annotations;
    counts.enqueued++;
    if (this.#closing) return this.#refuse(counts);
    this.#annotationQueue.push(event, this.#seq++);
    this.#pushed.annotation++;
    counts.pending++;
    this.#afterEnqueue();
  }

  enqueueStatus(status: ExperimentStatus): void {
    const counts = this.#counters.statusUpdates;
    counts.enqueued++;
    if (this.#closing) {
      // Status updates are never evicted, so a refused one counts as failed, not dropped.
      counts.failed++;
      this.#lastError = shutdownError(this.#label);
      return;
    }
    this.#statuses.push(newStatusRequest(status, this.#pushed.status++, this.#pushed.metric, this.#pushed.annotation));
    counts.pending++;
    if (this.#flushTimer === undefined && !this.#draining) this.#armFlushTimer();
  }

  stats(): OutboxStats {
    return statsOf(this.#counters, this.#lastError);
  }

  /** Sends everything pending now; never rejects except for invalid options. */
  async flush(options?: FlushOptions): Promise<FlushStatus> {
    const parsed = parseFlushOptions(options, `${this.#label}.flush()`);
    const deadline = parsed.timeoutSeconds === undefined ? Infinity : Date.now() + parsed.timeoutSeconds * 1000;
    const run = this.#flushChain.then(() => this.#flushNow(parsed.retries, deadline));
    this.#flushChain = run.catch(() => undefined);
    return await run;
  }

  async flushOrRaise(options?: FlushOptions): Promise<FlushStatus> {
    const status = await this.flush(options);
    if (!status.ok) throw new DeliveryIncompleteError(status, this.#label);
    return status;
  }

  /** Flushes within `timeoutSeconds`, then stops: later enqueues are counted as dropped. Idempotent. */
  close(options?: { timeoutSeconds?: number }): Promise<FlushStatus> {
    if (this.#closePromise) return this.#closePromise;
    const parsed = parseFlushOptions({ timeoutSeconds: options?.timeoutSeconds }, `${this.#label}.close()`);
    this.#closing = true;
    this.#closePromise = this.#closeNow(parsed.timeoutSeconds);
    return this.#closePromise;
  }

  async #closeNow(timeoutSeconds: number | undefined): Promise<FlushStatus> {
    const deadline = timeoutSeconds === undefined ? Infinity : Date.now() + timeoutSeconds * 1000;
    // A flush already running may have no deadline: ours bounds only our own wait for it.
    const mine = this.#flushChain.then(() => this.#flushNow(0, deadline));
    this.#flushChain = mine.catch(() => undefined);
    await this.#rounds.waitUntil(mine, deadline);
    this.#closed = true;
    this.#rounds.abort();
    this.#clearTimers();
    try {
      await this.#sink.close();
    } catch (error) {
      this.#lastError = toSyvainError(error, this.#label);
    }
    return this.#status(0);
  }

  async #flushNow(retries: number, deadline: number): Promise<FlushStatus> {
    const failuresBefore = this.#retryableFailures;
    this.#syncFailed = false;
    const targets = { metric: this.#pushed.metric, annotation: this.#pushed.annotation, status: this.#pushed.status };
    this.#flushTargets = targets;
    try {
      for (let attempt = 0; !this.#closed; attempt++) {
        const failed = await this.#rounds.run(targets, deadline);
        if (failed === 0 || attempt >= retries || this.#closed || Date.now() >= deadline) break;
        await this.#rounds.sleep(Math.min(backoffDelay(attempt, { random: this.#random }), deadline - Date.now()));
      }
    } finally {
      this.#flushTargets = undefined;
      // Background retries of what the flush left pending resume now.
      this.#pump();
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

  #status(retryableFailures: number): FlushStatus {
    const status = flushStatusOf(this.#counters, retryableFailures, this.#lastError);
    if (this.#syncFailed) status.ok = false;
    return status;
  }

  #refuse(counts: KindCounters): void {
    counts.dropped++;
    this.#lastError = shutdownError(this.#label);
  }

  #afterEnqueue(): void {
    if (this.#counters.metrics.pending + this.#counters.annotations.pending > this.#options.maxQueueItems) this.#evict();
    if (this.#flushTimer === undefined && !this.#draining) this.#armFlushTimer();
  }

  /**
   * Drops the oldest undelivered items that are not in a request in flight (queued, or waiting
   * for a retry), across both kinds, until the bound holds again. During an outage this keeps the
   * newest data, as the bound promises, instead of refusing everything new.
   */
  #evict(): void {
    const { metrics, annotations } = this.#counters;
    while (metrics.pending + annotations.pending > this.#options.maxQueueItems) {
      const metricFirst = this.#metricQueue.peekSeq() <= this.#annotationQueue.peekSeq();
      const queue = metricFirst ? this.#metricQueue : this.#annotationQueue;
      const waiting = this.#oldestWaitingBatch();
      if (waiting !== undefined && waiting.firstSeq < queue.peekSeq()) {
        dropOldestItem(waiting);
        if (waiting.items.length === 0) this.#batches.delete(waiting);
        const counts = waiting.kind === "metric" ? metrics : annotations;
        counts.pending--;
        counts.dropped++;
        continue;
      }
      if (queue.length === 0) break;
      queue.shift();
      this.#headIndex[metricFirst ? "metric" : "annotation"]++;
      const counts = metricFirst ? metrics : annotations;
      counts.pending--;
      counts.dropped++;
    }
    if (this.#overflowWarned) return;
    this.#overflowWarned = true;
    this.#lastError = overflowError(this.#label, this.#options.maxQueueItems);
    this.#onWarning(this.#lastError.message);
  }

  #oldestWaitingBatch(): EventRequest | undefined {
    let oldest: EventRequest | undefined;
    for (const batch of this.#batches) if (!batch.inFlight && (oldest === undefined || batch.firstSeq < oldest.firstSeq)) oldest = batch;
    return oldest;
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
    while (this.#inFlight < this.#options.maxConcurrentRequests) {
      const request = this.#nextRequest(now);
      if (request === undefined) break;
      this.#send(request);
    }
    if (this.#metricQueue.length + this.#annotationQueue.length === 0) {
      this.#draining = false;
      this.#overflowWarned = false;
    }
    this.#armRetryTimer(now);
    this.#rounds.check(now);
  }

  #nextRequest(now: number): DeliveryRequest | undefined {
    const round = this.#rounds.current;
    const head = this.#statuses[0];
    if (head && !head.inFlight && this.#statusReady(head) && this.#mayStart(head, round, now)) return head;
    for (const batch of this.#batches) if (!batch.inFlight && this.#mayStart(batch, round, now)) return batch;
    return this.#takeFromQueue(round);
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
      request.round = round.id;
      request.flushAttempt = true;
      return true;
    }
    request.flushAttempt = false;
    return request.dueAt <= now;
  }

  #inRound(request: DeliveryRequest, round: FlushRound): boolean {
    return request.lo < round.targets[request.kind];
  }

  #takeFromQueue(round: FlushRound | undefined): EventRequest | undefined {
    const metricWanted = this.#metricQueue.length > 0 && (this.#draining || (round !== undefined && this.#headIndex.metric < round.targets.metric));
    const annotationWanted =
      this.#annotationQueue.length > 0 && (this.#draining || (round !== undefined && this.#headIndex.annotation < round.targets.annotation));
    if (!metricWanted && !annotationWanted) return undefined;
    const kind: EventKind =
      metricWanted && (!annotationWanted || this.#metricQueue.peekSeq() <= this.#annotationQueue.peekSeq()) ? "metric" : "annotation";
    const queue = kind === "metric" ? this.#metricQueue : this.#annotationQueue;
    const lo = this.#headIndex[kind];
    const firstSeq = queue.peekSeq();
    const items = queue.take(this.#options.maxBatchItems);
    this.#headIndex[kind] += items.length;
    const request = newEventRequest(kind, items, lo, firstSeq);
    this.#batches.add(request);
    if (round && this.#inRound(request, round)) {
      request.round = round.id;
      request.flushAttempt = true;
    }
    return request;
  }

  /** A status update waits until every event enqueued before it is settled. */
  #statusReady(status: StatusRequest): boolean {
    if (this.#headIndex.metric < status.metricsBefore || this.#headIndex.annotation < status.annotationsBefore) return false;
    for (const batch of this.#batches) {
      if (batch.lo < (batch.kind === "metric" ? status.metricsBefore : status.annotationsBefore)) return false;
    }
    return true;
  }

  #send(request: DeliveryRequest): void {
    request.inFlight = true;
    this.#inFlight++;
    let delivery: Promise<IngestResult>;
    try {
      delivery = this.#sink.deliver(toBatch(request));
    } catch (error) {
      delivery = Promise.reject(toSyvainError(error, this.#label));
    }
    void delivery.then(
      (result) => this.#settled(request, result),
      (error: unknown) => this.#settled(request, undefined, toSyvainError(error, this.#label)),
    );
  }

  #settled(request: DeliveryRequest, result: IngestResult | undefined, error?: SyvainError): void {
    request.inFlight = false;
    this.#inFlight--;
    if (error === undefined) this.#accept(request, result);
    else this.#onFailure(request, error);
    this.#pump();
  }

  #accept(request: DeliveryRequest, result: IngestResult | undefined): void {
    const n = sizeOf(request);
    const counts = this.#countsOf(request);
    this.#remove(request);
    counts.pending -= n;
    counts.accepted += n;
    const duplicates = typeof result?.duplicates === "number" ? result.duplicates : 0;
    counts.duplicates += Math.min(n, Math.max(0, duplicates));
  }

  #onFailure(request: DeliveryRequest, error: SyvainError): void {
    this.#lastError = error;
    if (request.kind !== "status" && error.code === "payload_too_large" && request.items.length > 1) {
      this.#batches.delete(request);
      for (const half of splitEventRequest(request)) this.#batches.add(half);
      return;
    }
    if (!error.retryable) return this.#fail(request);
    this.#retryableFailures++;
    if (request.flushAttempt) this.#rounds.countFailure(request.round);
    else request.failures++;
    const { maxRetries } = this.#options;
    if (!request.flushAttempt && maxRetries !== null && request.failures > maxRetries) return this.#fail(request);
    const now = Date.now();
    const retryAfter = retryAfterOf(error);
    request.notBefore = now + retryAfter;
    request.dueAt = now + Math.max(retryAfter, backoffDelay(Math.max(0, request.failures - 1), { random: this.#random }));
  }

  #fail(request: DeliveryRequest): void {
    const n = sizeOf(request);
    const counts = this.#countsOf(request);
    this.#remove(request);
    counts.pending -= n;
    counts.failed += n;
  }

  #remove(request: DeliveryRequest): void {
    if (request.kind === "status") this.#statuses.shift();
    else this.#batches.delete(request);
  }

  #countsOf(request: DeliveryRequest): KindCounters {
    if (request.kind === "status") return this.#counters.statusUpdates;
    return request.kind === "metric" ? this.#counters.metrics : this.#counters.annotations;
  }

  /** Whether a flush round still has something to send or wait for. */
  #roundWork(round: FlushRound): { busy: boolean; wakeAt: number } {
    let wakeAt = Infinity;
    let busy = this.#headIndex.metric < round.targets.metric || this.#headIndex.annotation < round.targets.annotation;
    const consider = (request: DeliveryRequest): void => {
      if (!this.#inRound(request, round)) return;
      if (request.inFlight) busy = true;
      else if (request.round !== round.id && request.notBefore <= round.deadline) {
        busy = true;
        wakeAt = Math.min(wakeAt, request.notBefore);
      }
    };
    for (const batch of this.#batches) consider(batch);
    const head = this.#statuses[0];
    if (head && (head.inFlight || this.#statusReady(head))) consider(head);
    return { busy, wakeAt };
  }

  /** One unref'd timer for the earliest background retry: retries alone never keep a process alive. */
  #armRetryTimer(now: number): void {
    let next = Infinity;
    for (const batch of this.#batches) if (!batch.inFlight && batch.dueAt > now) next = Math.min(next, batch.dueAt);
    const head = this.#statuses[0];
    if (head && !head.inFlight && head.dueAt > now) next = Math.min(next, head.dueAt);
    if (next === this.#retryTimerAt) return;
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

function retryAfterOf(error: SyvainError): number {
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}
