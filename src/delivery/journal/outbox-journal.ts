/**
 * The outbox's side of the spool: every event and status update is appended (synchronously, no
 * I/O: the spool's flusher writes it within ~100 ms) before it counts as queued, and acknowledged
 * at the one place a request settles (`Backlog.settle`: accepted, or permanently failed). Shutdown,
 * aborts, timeouts and evictions never ack: what they leave stays on disk for the next process or
 * `syvain-otel sync`.
 *
 * Status records are held until the run is over: an unacknowledged `running` record is how a later
 * process knows a run died without finishing.
 */
import type { AnnotationEvent, ExperimentStatus, MetricEvent } from "../../api/contract.ts";
import path from "node:path";
import type { SyvainError } from "../../api/errors.ts";
import type { DeliveryRequest, EventKind } from "../delivery-request.ts";
import { JsonEnvelope, type Spool } from "../spool/index.ts";
import { isFinalStatus, RecordType } from "./spool-records.ts";
import { RefIndex } from "./ref-index.ts";
import { eventOfOwnRecord } from "./read-back.ts";

/** Where a spooled event is: written, still queued for the spool's flusher, or lost to a failed write. */
export type SpillWhere = "disk" | "pending" | "lost";

/**
 * What the outbox tells its journal; every call except `readBack` is synchronous and never throws.
 * `metric()` / `annotation()` return the event's spool record, or `undefined` when the spool
 * refused it (full, fallback, closed): only an event with a record may leave memory (spill).
 */
export interface OutboxJournal {
  metric(event: MetricEvent): number | undefined;
  annotation(event: AnnotationEvent): number | undefined;
  status(status: ExperimentStatus): void;
  /** A request left the outbox for good (the ack point); `reason`: why a failed one was given up. */
  settled(request: DeliveryRequest, outcome: "accepted" | "failed", reason?: SyvainError): void;
  /** The process dies right after (a signal): write what was appended, synchronously. */
  persistSync?(): void;
  /** Where what is not delivered stays on disk, for a loss report to say so (a spool journal). */
  onDisk?(): SpoolKeeping;
  /** The last event of `kind` was not queued after all (dropped at once): its record is not the next index's. */
  forgetLast(kind: EventKind): void;
  /** Where each spooled event is, as of now: one view for a whole synchronous pass (not one per event). */
  locator(): (ref: number) => SpillWhere;
  /** Spooled events `ref0 .. ref0 + n - 1` left memory (spilled): they are read back (`readBack`) before they settle. */
  leftMemory?(ref0: number, n: number): void;
  /** An event spilled (it waits on disk, not delivered soon): the spool should write it without waiting to see it delivered. */
  spilled?(): void;
  /** Spilled events read back from the spool, in `refs` order; `undefined` for one that does not read back. */
  readBack(kind: EventKind, refs: readonly number[]): Promise<(MetricEvent | AnnotationEvent | undefined)[]>;
}

/**
 * Whether a batch given up for good stays on disk for a later process to retry: `true` for all,
 * or a decision per batch from why Syvain refused it (a revoked key: keep; invalid data: let go).
 */
export type KeepFailed = boolean | ((request: DeliveryRequest, reason: SyvainError | undefined) => boolean);

export interface SpoolJournalOptions {
  spool: Spool;
  slug: string;
  /** The server id; `null` offline (the experiment is created when the spool is replayed). */
  experimentId: string | null;
  /** `false` offline: nothing is really delivered, so nothing leaves the spool. @default true */
  ack?: boolean;
  /**
   * Events given up for good (a refused batch, a revoked key, a deleted experiment) stay on disk
   * instead of being acknowledged, for a later process to retry (the bridge: it answered 200 for
   * them), all of them or as `keepFailed(request, reason)` decides. @default false
   */
  keepFailed?: KeepFailed;
  /** The key of the creation this experiment waits for (a deferred or offline `create`): written in every record as `k`. */
  creationKey?: string;
}

/**
 * Undelivered events stay in `dir` for the next run or `syvain-otel sync`, except `notSpooled` the
 * spool refused and `refused` Syvain refused for good (settled failed and let go).
 */
export interface SpoolKeeping {
  dir: string;
  notSpooled: number;
  refused: number;
}

export class SpoolJournal implements OutboxJournal {
  readonly #spool: Spool;
  readonly #slug: string;
  readonly #id: string | null;
  readonly #ack: boolean;
  readonly #keepFailed: KeepFailed;
  /** `{x, i}`, plus `k` for a deferred `create`: what names the experiment in every record. */
  readonly #ref: { x: string; i: string | null; k?: string };
  /** Per kind, enqueue index → record, so a settled batch (or a half of a split one) acks its own items. */
  readonly #metricRefs = new RefIndex();
  readonly #annotationRefs = new RefIndex();
  /** Status records in queue order (the outbox settles them in that order). */
  readonly #statusRefs: (number | undefined)[] = [];
  /** Settled status records of a run not over yet. */
  readonly #held: number[] = [];
  /** `{"x":<slug>,"i":<id>,"e":` ... `}`: an event record is this around the event (no wrapper object per event). */
  readonly #eventEnvelope: JsonEnvelope;
  /** Events the spool refused (full, failed disk, closed): a loss report must not say they are on disk. */
  #notSpooled = 0;
  /** Events settled failed and acknowledged (Syvain refused them for good): not on disk either. */
  #refused = 0;

  constructor(options: SpoolJournalOptions) {
    this.#spool = options.spool;
    this.#slug = options.slug;
    this.#id = options.experimentId;
    this.#ack = options.ack ?? true;
    this.#keepFailed = options.keepFailed ?? false;
    this.#ref = { x: this.#slug, i: this.#id, ...(options.creationKey === undefined ? {} : { k: options.creationKey }) };
    this.#eventEnvelope = JsonEnvelope.around(this.#ref, "e");
  }

  metric(event: MetricEvent): number | undefined {
    return this.#appendEvent(RecordType.metric, event, this.#metricRefs);
  }

  annotation(event: AnnotationEvent): number | undefined {
    return this.#appendEvent(RecordType.annotation, event, this.#annotationRefs);
  }

  #appendEvent(type: number, event: MetricEvent | AnnotationEvent, refs: RefIndex): number | undefined {
    const ref = this.#spool.append(type, event, this.#eventEnvelope);
    if (ref === undefined) this.#notSpooled++;
    refs.push(ref ?? -1);
    return ref;
  }

  /** Per-event slots its ref indices hold (see `RefIndex.slots`): a figure for tests and memory checks. */
  get refSlots(): number {
    return this.#metricRefs.slots + this.#annotationRefs.slots;
  }

  forgetLast(kind: EventKind): void {
    (kind === "metric" ? this.#metricRefs : this.#annotationRefs).dropLast();
  }

  locator(): (ref: number) => SpillWhere {
    const own = this.#spool.own;
    return (ref) => own.whereIs(ref);
  }

  spilled(): void {
    this.#spool.writeSoon();
  }

  leftMemory(ref0: number, n: number): void {
    this.#spool.own.release(ref0, n);
  }

  async readBack(kind: EventKind, refs: readonly number[]): Promise<(MetricEvent | AnnotationEvent | undefined)[]> {
    const type = kind === "metric" ? RecordType.metric : RecordType.annotation;
    const events = new Array<MetricEvent | AnnotationEvent | undefined>(refs.length).fill(undefined);
    const envelope = this.#eventEnvelope;
    await this.#spool.own.readEach(refs, (index, bytes, start, end) => (events[index] = eventOfOwnRecord(type, bytes, start, end, envelope)));
    return events;
  }

  status(status: ExperimentStatus): void {
    this.#statusRefs.push(this.#spool.append(RecordType.status, { ...this.#ref, s: status, t: Date.now() }));
  }

  settled(request: DeliveryRequest, outcome: "accepted" | "failed", reason?: SyvainError): void {
    if (request.kind === "status") return this.#statusSettled(request.status, outcome);
    if (!this.#ack) return;
    const refs: number[] = [];
    // Taken either way: the index frees its chunks once every ref in them was taken.
    (request.kind === "metric" ? this.#metricRefs : this.#annotationRefs).take(request.lo, request.items.length, refs);
    if (outcome === "failed" && this.#keeps(request, reason)) return;
    if (outcome === "failed") this.#refused += request.items.length;
    if (refs.length > 0) this.#spool.ack(refs);
  }

  /**
   * A batch given up because its owner shut down (a close deadline that abandoned a deferred
   * creation) was never refused by Syvain: it stays on disk for the next process, whatever
   * `keepFailed` says, as shutdown never acks.
   */
  #keeps(request: DeliveryRequest, reason: SyvainError | undefined): boolean {
    // Nor was one given up on a retryable failure (the outbox parks those; should one settle all the
    // same, Syvain may take it later): only a refusal lets records go, as a replay's does.
    if (reason?.code === "shutdown" || reason?.retryable === true) return true;
    return typeof this.#keepFailed === "function" ? this.#keepFailed(request, reason) : this.#keepFailed;
  }


  onDisk(): SpoolKeeping {
    return { dir: path.dirname(this.#spool.dir), notSpooled: this.#notSpooled, refused: this.#refused };
  }

  persistSync(): void {
    // Closes the spool (idempotent, shared by every experiment's journal): nothing runs after it.
    this.#spool.flushSync();
  }

  #statusSettled(status: ExperimentStatus, outcome: "accepted" | "failed"): void {
    const ref = this.#statusRefs.shift();
    if (ref !== undefined) this.#held.push(ref);
    // A failed final status is not the end of the run for a later process: it may still mark it.
    if (!this.#ack || !isFinalStatus(status) || outcome !== "accepted") return;
    this.#spool.ack(this.#held.splice(0));
  }
}
