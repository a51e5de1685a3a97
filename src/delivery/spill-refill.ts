/**
 * Spill and refill of one outbox with a spool: past `window` events in memory, new events whose
 * spool append succeeded join the spilled tail of their kind (`SpillTail`) instead of the memory
 * queue, and leave memory once the spool has written them. As delivery makes room, the oldest of
 * the tail are read back from this process's own segments and join the memory queue, in order,
 * with their original ids: one process delivers everything an outage left, exactly once, while
 * memory stays bounded by the window and disk by `spoolMaxBytes`.
 *
 * Only events the spool refused stay in memory regardless; the outbox evicts those past
 * `maxQueueItems` as without a spool (dropped, counted, warned).
 */
import type { AnnotationEvent, MetricEvent } from "../api/contract.ts";
import type { Backlog } from "./backlog.ts";
import type { EventKind } from "./delivery-request.ts";
import type { OutboxJournal } from "./journal/outbox-journal.ts";
import type { ResolvedDeliveryOptions } from "./delivery-options.ts";
import { caughtUp, lagsUntilCaughtUp } from "./lagging-journals.ts";

/**
 * Events held in memory past which new ones go to the spool only (capped by `maxQueueItems`) until a
 * first request goes out, and during an outage: from a retryable failure until the next success. A
 * mutable object, read at construction, so a test can use a small window beside a larger bound.
 */
export const spillLimits = { window: 20_000 };

/**
 * While requests are going out and none failed since the last success, events stay in memory up to
 * this share of `maxQueueItems`, as without a spool: spilling a burst that Syvain is working through
 * would only add a read back of every event past the window (a JSON parse each, the bridge's
 * throughput). Below the bridge's back-pressure point (80 %): a burst still spills rather than
 * turning senders away. During an outage the window above holds, so memory stays flat however long
 * it lasts. Optimistic, as without a spool: requests that hang (a Syvain that never answers, an
 * experiment whose creation waits) keep this window until they fail; memory stays within
 * `maxQueueItems` either way.
 */
const DELIVERING_SHARE = 0.75;
/** Refills queued in memory, still to send, past which the next read back waits (see `#refillKind`). */
const JUST_IN_TIME_REFILLS = 2;
/** After a read that did not come back whole, the next attempt waits this long. */
const READ_RETRY_MS = 1000;

export interface SpillMemoryStats {
  /** Pending events held in memory now: the memory queue, requests, and spilled events the spool refused. */
  eventsInMemory: number;
  /** The most ever held at once. */
  peakEventsInMemory: number;
  /** Events that left memory for the spool, per kind (lifetime counts), and those waiting there now. */
  spilledMetrics: number;
  spilledAnnotations: number;
  spilledOnDisk: number;
}

export interface SpillOptions {
  backlog: Backlog;
  journal: OutboxJournal;
  maxQueueItems: number;
  /** The size of one refill: enough to keep every request slot busy with full batches. */
  refillItems: number;
  /** Refilled events may be sent: the outbox pumps. */
  onRefill: () => void;
  /** A spilled event did not read back (reported once; the read is retried). */
  onReadError: (message: string) => void;
  window?: number;
  /** Appends below the window wait for `catchUp()` (see `OutboxOptions.lazyJournal`). @default false */
  lazy?: boolean;
}

export class SpillRefill {
  readonly #backlog: Backlog;
  readonly #journal: OutboxJournal;
  /** The spill point now: `#outageWindow`, or `#deliveringWindow` while Syvain takes requests (`delivering()`). */
  #window: number;
  readonly #outageWindow: number;
  readonly #deliveringWindow: number;
  readonly #maxQueueItems: number;
  readonly #refillItems: number;
  readonly #onRefill: () => void;
  readonly #onReadError: (message: string) => void;
  readonly #reading = { metric: false, annotation: false };
  readonly #retryAt = { metric: 0, annotation: 0 };
  #readErrorReported = false;
  #peak = 0;
  #stopped = false;
  /** Events queued on the fast path whose spool append waits for `catchUp()`, per kind. */
  readonly #lag = { metric: 0, annotation: 0 };
  readonly #lazy: boolean;
  #catchUpScheduled = false;
  /** Spilled events the tail let go of: the spool need not keep their offsets in memory until they are read back. */
  readonly #leftMemory = (ref0: number, n: number): void => this.#journal.leftMemory?.(ref0, n);

  constructor(options: SpillOptions) {
    this.#backlog = options.backlog;
    this.#journal = options.journal;
    this.#maxQueueItems = options.maxQueueItems;
    this.#window = this.#outageWindow = Math.min(options.maxQueueItems, options.window ?? spillLimits.window);
    this.#deliveringWindow = Math.max(this.#outageWindow, Math.floor(options.maxQueueItems * DELIVERING_SHARE));
    this.#refillItems = Math.max(1, Math.min(options.refillItems, Math.floor(this.#outageWindow / 2)));
    this.#onRefill = options.onRefill;
    this.#onReadError = options.onReadError;
    this.#lazy = options.lazy ?? false;
  }

  /**
   * Queues a metric. Below the window with no tail (the common case) it joins the memory queue; with
   * a lazy journal its spool append then waits for `catchUp()`, which appends every such event in
   * one pass at the end of the caller's synchronous code: `metric()` pays no per-event spool call,
   * and the spool's flusher would not write the event before then anyway. Otherwise it is appended
   * first, as the spill decision needs its record. False if it cannot be kept (see `#keeps`).
   */
  metric(event: MetricEvent): boolean {
    // The lazy fast path written out for metrics, the hot kind: named property loads instead of
    // the keyed ones of `#enqueue` (measured ~4 % of `metric()`).
    const held = this.#backlog.inMemory;
    if (this.#lazy && held < this.#window && this.#backlog.tails.metric.length === 0) {
      this.#backlog.pushMetric(event);
      if (held >= this.#peak) this.#peak = held + 1;
      if (this.#lag.metric++ === 0) this.#scheduleCatchUp();
      return true;
    }
    return this.#enqueue("metric", event, held);
  }

  annotation(event: AnnotationEvent): boolean {
    return this.#enqueue("annotation", event, this.#backlog.inMemory);
  }

  #enqueue(kind: EventKind, event: MetricEvent | AnnotationEvent, held: number): boolean {
    const belowWindow = this.#backlog.tails[kind].length === 0 && held < this.#window;
    if (belowWindow && this.#lazy) {
      this.#push(kind, event);
      if (held >= this.#peak) this.#peak = held + 1;
      if (this.#lag[kind]++ === 0) this.#scheduleCatchUp();
      return true;
    }
    this.catchUp();
    const ref = kind === "metric" ? this.#journal.metric(event as MetricEvent) : this.#journal.annotation(event as AnnotationEvent);
    // Refused by the spool with no tail to follow: memory, as without a spool.
    if (belowWindow || (ref === undefined && this.#backlog.tails[kind].length === 0)) this.#push(kind, event);
    else if (!this.#keeps(ref)) return false;
    else {
      if (kind === "metric") this.#backlog.spillMetric(event as MetricEvent, ref);
      else this.#backlog.spillAnnotation(event as AnnotationEvent, ref);
      // Held in memory only until its record is written: no point waiting to see it delivered.
      this.#journal.spilled?.();
    }
    this.#afterEnqueue(kind);
    return true;
  }

  #push(kind: EventKind, event: MetricEvent | AnnotationEvent): void {
    if (kind === "metric") this.#backlog.pushMetric(event as MetricEvent);
    else this.#backlog.pushAnnotation(event as AnnotationEvent);
  }

  /**
   * Appends to the spool the events queued on the fast path, in order, per kind. Called at the end
   * of the synchronous code that queued them, and before anything takes events from the memory
   * queues (the pump, an eviction), before a status update (which follows its events on disk) and
   * before an exit writes the spool: until then they are the newest of their queue.
   */
  catchUp(): void {
    const { metric, annotation } = this.#lag;
    if (metric === 0 && annotation === 0) return;
    this.#lag.metric = this.#lag.annotation = 0;
    caughtUp(this.#catchUp);
    if (metric > 0) this.#backlog.forEachNewestQueued("metric", metric, this.#appendMetric);
    if (annotation > 0) this.#backlog.forEachNewestQueued("annotation", annotation, this.#appendAnnotation);
  }

  readonly #appendMetric = (event: MetricEvent): void => void this.#journal.metric(event);
  readonly #appendAnnotation = (event: AnnotationEvent): void => void this.#journal.annotation(event);

  readonly #catchUp = (): void => this.catchUp();

  #scheduleCatchUp(): void {
    // Every time the lag starts again, even with the immediate still to run: a catch-up in between
    // (a status update, the window) took this outbox out of the set an exit catches up.
    lagsUntilCaughtUp(this.#catchUp);
    if (this.#catchUpScheduled) return;
    this.#catchUpScheduled = true;
    // Unref'd: queued events alone never keep a process alive (exits catch up themselves).
    setImmediate(() => {
      this.#catchUpScheduled = false;
      this.catchUp();
    }).unref();
  }

  /**
   * An event the spool refused joins a tail in memory. With memory full, the oldest held in memory
   * go first (as without a spool); if only the tail is left, the new event itself cannot be kept:
   * the tail's order forbids dropping from its middle.
   */
  #keeps(ref: number | undefined): boolean {
    if (ref !== undefined || this.#backlog.inMemory < this.#maxQueueItems) return true;
    this.#backlog.evict(this.#maxQueueItems - 1);
    return this.#backlog.inMemory < this.#maxQueueItems;
  }

  /** The tail releases from memory what the spool has written. */
  #afterEnqueue(kind: EventKind): void {
    const tail = this.#backlog.tails[kind];
    if (tail.length > 0) tail.release(this.#journal.locator(), this.#leftMemory);
    this.#peak = Math.max(this.#peak, this.#backlog.inMemory);
  }

  /**
   * Whether Syvain takes this outbox's requests: true when one goes out with no failure since the
   * last success, false on a retryable failure. Only new events see the change: a tail, once
   * spilled, is read back within the outage window (the order of events forbids passing it).
   */
  delivering(yes: boolean): void {
    this.#window = yes ? this.#deliveringWindow : this.#outageWindow;
  }

  /** Moves the oldest spilled events into memory while there is room; called by the outbox's pump. */
  refill(now: number): void {
    this.catchUp();
    if (this.#stopped) return;
    this.#refillKind("metric", now);
    this.#refillKind("annotation", now);
  }

  /** The outbox closed: reads in progress are dropped (their events stay on disk for the next process). */
  stop(): void {
    this.#stopped = true;
  }

  #refillKind(kind: EventKind, now: number): void {
    const tail = this.#backlog.tails[kind];
    while (!this.#reading[kind] && tail.length > 0 && now >= this.#retryAt[kind]) {
      tail.release(this.#journal.locator(), this.#leftMemory);
      const take = tail.peek(this.#refillItems);
      if (take === undefined) return;
      // Refused by the spool: they count against the bound already, moving them costs nothing.
      if (take.events !== undefined && !take.spooled) {
        this.#backlog.refill(kind, take.events, take.seq0);
        continue;
      }
      // Requests waiting out an outage hold memory too: nothing spooled comes in past the window.
      // (At most `refillItems`, and at most the tail: either way within the room.) Refused events
      // waiting in the tails do not count: `#keeps` bounds them by `maxQueueItems`, and they can
      // only leave memory behind the spooled ones this refill reads (counting them stalled it for good).
      if (this.#outageWindow - (this.#backlog.inMemory - this.#refusedInTails()) < Math.min(this.#refillItems, tail.length)) return;
      // Read back just in time: while the memory queue holds two refills still to send, the next
      // read waits. A drain then holds what is in flight (one refill), what is queued and the read
      // in progress, about four refills, not the whole window: events held longer outlive V8's
      // young-generation collections, and what survives those is what makes V8 grow that
      // generation (and RSS with it). Two refills queued cover a read's latency on a busy machine
      // (~8 ms typical, tens of ms at the tail, measured during a drain); with one, the request
      // slots sat idle during most reads.
      if (this.#backlog.queuedOf(kind) >= JUST_IN_TIME_REFILLS * this.#refillItems) return;
      if (take.events !== undefined) {
        this.#backlog.refill(kind, take.events, take.seq0);
        continue;
      }
      this.#reading[kind] = true;
      void this.#readBack(kind, take.refs, take.seq0);
    }
  }

  /** Events the spool refused that wait in the tails, in memory, behind spilled ones. */
  #refusedInTails(): number {
    const { metric, annotation } = this.#backlog.tails;
    return metric.length - metric.spooled + annotation.length - annotation.spooled;
  }

  async #readBack(kind: EventKind, refs: number[], seq0: number): Promise<void> {
    let events: (MetricEvent | AnnotationEvent | undefined)[];
    try {
      events = await this.#journal.readBack(kind, refs);
    } catch (error) {
      events = [];
      this.#readError(String(error));
    }
    this.#reading[kind] = false;
    if (this.#stopped) return;
    let whole = events.findIndex((event) => event === undefined);
    if (whole < 0) whole = events.length;
    if (whole > 0) this.#backlog.refill(kind, events.slice(0, whole) as (MetricEvent | AnnotationEvent)[], seq0);
    if (whole < refs.length) {
      // An event cannot leave its place in the order: what follows waits for it to read back.
      this.#retryAt[kind] = Date.now() + READ_RETRY_MS;
      this.#readError(`spool record ${String(refs[whole])} did not read back intact`);
      setTimeout(() => this.#onRefill(), READ_RETRY_MS).unref();
    }
    this.#peak = Math.max(this.#peak, this.#backlog.inMemory);
    this.#onRefill();
  }

  #readError(detail: string): void {
    if (this.#readErrorReported) return;
    this.#readErrorReported = true;
    this.#onReadError(`reading spilled events back from the spool failed (${detail}); retrying every ${READ_RETRY_MS / 1000} s`);
  }

  stats(): SpillMemoryStats {
    const { metric, annotation } = this.#backlog.tails;
    return {
      eventsInMemory: this.#backlog.inMemory,
      peakEventsInMemory: this.#peak,
      spilledMetrics: metric.spilled,
      spilledAnnotations: annotation.spilled,
      spilledOnDisk: metric.onDiskOnly + annotation.onDiskOnly,
    };
  }
}

/** The outbox's spill, sized from its options: a refill keeps every request slot busy with a full batch. */
export function newSpillRefill(
  backlog: Backlog,
  journal: OutboxJournal,
  options: ResolvedDeliveryOptions,
  onRefill: () => void,
  onReadError: (message: string) => void,
  lazy: boolean,
): SpillRefill {
  const refillItems = options.maxBatchItems * options.maxConcurrentRequests;
  return new SpillRefill({ backlog, journal, maxQueueItems: options.maxQueueItems, refillItems, onRefill, onReadError, lazy });
}
