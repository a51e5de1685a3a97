/**
 * Everything an outbox has not settled yet, and its bookkeeping: the two FIFO queues of unsent
 * events, the event batches taken from them (in flight or waiting for a retry), and the ordered
 * status updates. No timers and no I/O: the outbox decides when to send, this decides what.
 *
 * Each kind's events are numbered in enqueue order; a batch covers a contiguous range of them
 * (`lo ..`). That is what lets a status update wait for exactly the events enqueued before it,
 * and a flush cover exactly what was enqueued before it began.
 */
import type { AnnotationEvent, ExperimentStatus, MetricEvent } from "../api/contract.ts";
import { ChunkedQueue } from "./chunked-queue.ts";
import { SpillTail } from "./spill-tail.ts";
import {
  dropOldestItem,
  newEventRequest,
  newStatusRequest,
  settleRequest,
  sizeOf,
  splitEventRequest,
  type DeliveryRequest,
  type EventKind,
  type EventRequest,
  type StatusRequest,
} from "./delivery-request.ts";
import type { FlushRound, RoundWork } from "./flush-round.ts";
import type { KindCounters, OutboxCounters } from "./kind-counters.ts";
import type { PendingCounts } from "./flush-coverage.ts";
import type { OutboxJournal } from "./journal/outbox-journal.ts";
import type { SyvainError } from "../api/errors.ts";

export type Targets = FlushRound["targets"];

export class Backlog {
  readonly #counters: OutboxCounters;
  readonly #metricQueue = new ChunkedQueue<MetricEvent>();
  readonly #annotationQueue = new ChunkedQueue<AnnotationEvent>();
  /** Per kind: items that entered the backlog, and the index of the oldest one still queued. */
  readonly #pushed = { metric: 0, annotation: 0, status: 0 };
  readonly #headIndex = { metric: 0, annotation: 0 };
  /** Unsettled event batches (in flight or waiting for a retry). */
  readonly batches = new Set<EventRequest>();
  /** Unsettled status updates, in order; only the first is ever sent. Few, so a plain array. */
  readonly statuses: StatusRequest[] = [];
  #seq = 0;
  readonly #journal: OutboxJournal | undefined;

  constructor(counters: OutboxCounters, journal?: OutboxJournal) {
    this.#counters = counters;
    this.#journal = journal;
  }

  pushMetric(event: MetricEvent): void {
    this.#metricQueue.push(event, this.#seq++);
    this.#pushed.metric++;
    this.#counters.metrics.pending++;
  }

  pushAnnotation(event: AnnotationEvent): void {
    this.#annotationQueue.push(event, this.#seq++);
    this.#pushed.annotation++;
    this.#counters.annotations.pending++;
  }

  /**
   * Spilled tails: events numbered and counted pending like the ones above, but waiting (mostly on
   * disk only) behind the memory queue of their kind; `refill` moves them in when their turn comes.
   */
  readonly tails = { metric: new SpillTail<MetricEvent>(), annotation: new SpillTail<AnnotationEvent>() };

  /** Queues a metric behind the memory queue; `ref`: its spool record (`undefined`: refused, memory only). */
  spillMetric(event: MetricEvent, ref: number | undefined): void {
    this.tails.metric.push(event, this.#seq++, ref);
    this.#pushed.metric++;
    this.#counters.metrics.pending++;
  }

  spillAnnotation(event: AnnotationEvent, ref: number | undefined): void {
    this.tails.annotation.push(event, this.#seq++, ref);
    this.#pushed.annotation++;
    this.#counters.annotations.pending++;
  }

  /** The oldest spilled events (`seq0`...) join the end of their memory queue: they follow it by index. */
  refill(kind: EventKind, events: readonly (MetricEvent | AnnotationEvent)[], seq0: number): void {
    const queue: ChunkedQueue<MetricEvent | AnnotationEvent> = kind === "metric" ? this.#metricQueue : this.#annotationQueue;
    for (let i = 0; i < events.length; i++) queue.push(events[i]!, seq0 + i);
    this.tails[kind].commit(events.length);
  }

  /**
   * Pending events the outbox holds in memory: all but the spilled ones the spool has (a spilled
   * event waiting for the spool's flusher is in the spool's memory for ~100 ms, then on disk only).
   */
  get inMemory(): number {
    const { metrics, annotations } = this.#counters;
    return metrics.pending + annotations.pending - this.tails.metric.spooled - this.tails.annotation.spooled;
  }

  /** Events of a kind queued in memory, not yet in a request. */
  queuedOf(kind: EventKind): number {
    return (kind === "metric" ? this.#metricQueue : this.#annotationQueue).length;
  }

  /** Calls `fn` on the newest `n` events of a kind's memory queue, oldest of those first. */
  forEachNewestQueued<K extends EventKind>(kind: K, n: number, fn: (event: K extends "metric" ? MetricEvent : AnnotationEvent) => void): void {
    const queue = (kind === "metric" ? this.#metricQueue : this.#annotationQueue) as ChunkedQueue<K extends "metric" ? MetricEvent : AnnotationEvent>;
    queue.forEachNewest(n, fn);
  }

  pushStatus(status: ExperimentStatus): void {
    this.statuses.push(newStatusRequest(status, this.#pushed.status++, this.#pushed.metric, this.#pushed.annotation));
    this.#counters.statusUpdates.pending++;
  }

  /** What a flush that starts now covers. */
  targets(): Targets {
    return { metric: this.#pushed.metric, annotation: this.#pushed.annotation, status: this.#pushed.status };
  }

  /**
   * Per kind, how many of the items enqueued before `targets` (a flush's start) are still pending:
   * unsent ones (the queue and its spilled tail hold the indices from the head on, in order) plus
   * the covered part of each unsettled request (a batch may straddle the mark). Items enqueued
   * later are not counted, so a flush is judged on what it covers only.
   */
  pendingBefore(targets: Targets): PendingCounts {
    const pending = {
      metric: Math.max(0, targets.metric - this.#headIndex.metric),
      annotation: Math.max(0, targets.annotation - this.#headIndex.annotation),
      status: 0,
    };
    const covered = (request: DeliveryRequest): number => Math.max(0, Math.min(request.lo + sizeOf(request), targets[request.kind]) - request.lo);
    for (const batch of this.batches) pending[batch.kind] += covered(batch);
    for (const status of this.statuses) pending.status += covered(status);
    return { metrics: pending.metric, annotations: pending.annotation, statusUpdates: pending.status };
  }

  /** Events not yet in a request, spilled ones included. */
  get queued(): number {
    return this.#metricQueue.length + this.#annotationQueue.length + this.tails.metric.length + this.tails.annotation.length;
  }

  /**
   * Drops the oldest undelivered items that are not in a request in flight (queued, or waiting
   * for a retry), across both kinds, until at most `limit` events are held in memory (spilled ones
   * on disk only do not count: they are safe). During an outage this keeps the newest data, as the
   * bound promises, instead of refusing everything new.
   */
  evict(limit: number): void {
    const { metrics, annotations } = this.#counters;
    while (this.inMemory > limit) {
      const metricFirst = this.#metricQueue.peekSeq() <= this.#annotationQueue.peekSeq();
      const queue = metricFirst ? this.#metricQueue : this.#annotationQueue;
      const waiting = this.#oldestWaitingBatch();
      if (waiting !== undefined && waiting.firstSeq < queue.peekSeq()) {
        dropOldestItem(waiting);
        if (waiting.items.length === 0) this.batches.delete(waiting);
        countDropped(waiting.kind === "metric" ? metrics : annotations);
        continue;
      }
      if (queue.length === 0) break;
      queue.shift();
      this.#headIndex[metricFirst ? "metric" : "annotation"]++;
      countDropped(metricFirst ? metrics : annotations);
    }
  }

  #oldestWaitingBatch(): EventRequest | undefined {
    let oldest: EventRequest | undefined;
    for (const batch of this.batches) if (batch.state !== "in_flight" && (oldest === undefined || batch.firstSeq < oldest.firstSeq)) oldest = batch;
    return oldest;
  }

  /** Whether a kind has a full batch queued (it may be sent without waiting for the flush delay). */
  hasFullBatch(maxItems: number): boolean {
    return this.#metricQueue.length >= maxItems || this.#annotationQueue.length >= maxItems;
  }

  /**
   * A new batch of up to `maxItems` from the queue of the kind whose oldest item is older,
   * among the kinds that may send: all when `draining`, else what `targets` covers and any kind
   * with a full batch queued (waiting would not make that batch any bigger).
   */
  takeBatch(maxItems: number, draining: boolean, targets: Targets | undefined): EventRequest | undefined {
    const metricLength = this.#metricQueue.length;
    const annotationLength = this.#annotationQueue.length;
    const metricWanted =
      metricLength > 0 && (draining || metricLength >= maxItems || (targets !== undefined && this.#headIndex.metric < targets.metric));
    const annotationWanted =
      annotationLength > 0 &&
      (draining || annotationLength >= maxItems || (targets !== undefined && this.#headIndex.annotation < targets.annotation));
    if (!metricWanted && !annotationWanted) return undefined;
    const kind: EventKind =
      metricWanted && (!annotationWanted || this.#metricQueue.peekSeq() <= this.#annotationQueue.peekSeq()) ? "metric" : "annotation";
    const queue = kind === "metric" ? this.#metricQueue : this.#annotationQueue;
    const lo = this.#headIndex[kind];
    const firstSeq = queue.peekSeq();
    const items = queue.take(maxItems);
    this.#headIndex[kind] += items.length;
    const request = newEventRequest(kind, items, lo, firstSeq);
    this.batches.add(request);
    return request;
  }

  /** A status update waits until every event enqueued before it is settled. */
  statusReady(status: StatusRequest): boolean {
    if (this.#headIndex.metric < status.metricsBefore || this.#headIndex.annotation < status.annotationsBefore) return false;
    for (const batch of this.batches) {
      if (batch.lo < (batch.kind === "metric" ? status.metricsBefore : status.annotationsBefore)) return false;
    }
    return true;
  }

  /** After `413 payload_too_large`: the batch becomes its two halves. */
  split(request: EventRequest): void {
    this.batches.delete(request);
    for (const half of splitEventRequest(request)) this.batches.add(half);
  }

  /** Settles a request: its items leave the backlog as accepted or failed (`reason`: why it failed). */
  settle(request: DeliveryRequest, outcome: "accepted" | "failed", duplicates = 0, reason?: SyvainError): void {
    settleRequest(request, outcome);
    this.#journal?.settled(request, outcome, reason);
    const n = sizeOf(request);
    const counts = this.#countsOf(request);
    if (request.kind === "status") this.statuses.shift();
    else this.batches.delete(request);
    counts.pending -= n;
    counts[outcome] += n;
    counts.duplicates += Math.min(n, Math.max(0, duplicates));
  }

  #countsOf(request: DeliveryRequest): KindCounters {
    if (request.kind === "status") return this.#counters.statusUpdates;
    return request.kind === "metric" ? this.#counters.metrics : this.#counters.annotations;
  }

  /** Earliest background retry time after `now` (`Infinity`: none). */
  nextRetryAt(now: number): number {
    let next = Infinity;
    for (const batch of this.batches) if (batch.state !== "in_flight" && batch.dueAt > now) next = Math.min(next, batch.dueAt);
    const head = this.statuses[0];
    if (head && head.state !== "in_flight" && head.dueAt > now) next = Math.min(next, head.dueAt);
    return next;
  }

  /** Whether a flush round still has something to send or wait for (and until when). */
  roundWork(round: FlushRound): RoundWork {
    let wakeAt = Infinity;
    let busy = this.#headIndex.metric < round.targets.metric || this.#headIndex.annotation < round.targets.annotation;
    const consider = (request: DeliveryRequest): void => {
      if (request.lo >= round.targets[request.kind]) return;
      if (request.state === "in_flight") busy = true;
      else if (request.round !== round.id && request.notBefore <= round.deadline) {
        busy = true;
        wakeAt = Math.min(wakeAt, request.notBefore);
      }
    };
    for (const batch of this.batches) consider(batch);
    const head = this.statuses[0];
    if (head && (head.state === "in_flight" || this.statusReady(head))) consider(head);
    return { busy, wakeAt };
  }
}

function countDropped(counts: KindCounters): void {
  counts.pending--;
  counts.dropped++;
}
