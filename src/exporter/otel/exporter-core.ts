/**
 * State shared by a `SyvainMetricExporter` and a `SyvainLogRecordExporter` built together: the
 * options, the experiment registry (one outbox per experiment, for both signals), the per-slug
 * counters and the lifecycle. Each exporter attaches on construction and releases on shutdown;
 * the last release drains and closes everything (and the client, if the core created it).
 */
import type { Outbox } from "../../delivery/outbox.ts";
import type { DeliverySink } from "../../delivery/delivery-types.ts";
import type { Resource } from "@opentelemetry/resources";
import { SyvainError } from "../../api/errors.ts";
import { deadlineIn, secondsUntil, waitUntil } from "../../delivery/deadline.ts";
import { experimentFromResource, type ExperimentSpec } from "../../mapping/experiment.ts";
import { SteppedSumValues } from "../../mapping/stepped-sums.ts";
import { spoolSessionFor, type SpoolSession, type SpoolSessionStats } from "../../destinations/spool-session.ts";
import { openDestination, type Destination } from "./destination.ts";
import { ownerFlushDeadline } from "./flush-deadline.ts";
import { keptOnDiskNote } from "../../delivery/kept-note.ts";
import type { ExperimentJournals } from "./experiment-journals.ts";
import { entryStats, ExperimentRegistry, type RegistryEntry, type SlugStatus } from "./experiment-registry.ts";
import { exporterDiag } from "./diag-logger.ts";
import { startIdleSweep } from "./idle-experiments.ts";
import { LossWarnings } from "./loss-warnings.ts";
import type { ResolvedExporterOptions } from "./exporter-options.ts";
import {
  experimentStats,
  newSlugCounters,
  outboxPressure,
  type ExperimentExportStats,
  type SlugCounters,
  type SyvainExporterHealth,
} from "./exporter-stats.ts";

/** Enqueues one export's events into an experiment's outbox. Synchronous, no I/O. */
export type Enqueue = (entry: RegistryEntry) => void;

/** The options the core keeps: the key goes to the client and is not kept here. */
export type CoreOptions = Omit<ResolvedExporterOptions, "apiKey">;

/** What an owner of the exporters (the bridge) changes in them; not user options. */
export interface CoreOwnership {
  /** The owner's spool: every outbox journals to it, and creations Syvain does not answer are deferred. */
  journals?: ExperimentJournals;
  /**
   * Without a spool, a first export waits for its experiment's creation however long Syvain takes
   * (its every attempt), instead of deferring it after 2 s with the events held in memory: the
   * memory-only bridge, which answers the sender 503 instead (the sender keeps its copy). @default false
   */
  waitForCreations?: boolean;
  /** Each experiment's sink as the owner watches it (the bridge: whether Syvain rejects its key now). */
  watchSink?: (sink: DeliverySink, slug: string) => DeliverySink;
}

export class ExporterCore {
  readonly options: CoreOptions;
  /** Where every loss is reported (`SyvainDeliveryWarning` or the user's `onWarning`). */
  readonly warnings: LossWarnings;
  readonly #destination: Destination;
  readonly #spool: SpoolSession | undefined;
  readonly #registry: ExperimentRegistry;
  readonly #counters = new Map<string, SlugCounters>();
  /** Per experiment, the stepped counter totals exported so far (mapping/stepped-sums.ts). */
  readonly #steppedSums = new Map<string, SteppedSumValues>();
  /** Exports still mapping, queueing or waiting for their experiment's creation. */
  readonly #pendingExports = new Set<Promise<void>>();
  /** Per slug, the last unfinished export: the next one to that experiment runs after it. */
  readonly #tails = new Map<string, Promise<void>>();
  /** Releases idle experiments (`idle-experiments.ts`); `undefined` with `experimentIdleSeconds: null`. */
  readonly #idleSweep: { stop(): void } | undefined;
  #holders = 0;
  #closing: Promise<void> | undefined;

  constructor(options: ResolvedExporterOptions, { journals, waitForCreations = false, watchSink }: CoreOwnership = {}) {
    this.#destination = openDestination(options);
    const { apiKey: _apiKey, ...kept } = options;
    this.options = kept;
    this.warnings = new LossWarnings(options.onWarning);
    const { client } = this.#destination;
    // Off unless asked for: OTel users expect no disk by default (SYVAIN_SPOOL_DIR counts as asking).
    const spool =
      client &&
      spoolSessionFor({
        spoolDir: options.spoolDir,
        onByDefault: false,
        host: client.host,
        maxBytes: options.spoolMaxBytes,
        statsAt: "the exporters' spoolStats()",
        ...(options.onWarning ? { warn: options.onWarning } : {}),
      });
    this.#spool = spool;
    // Opened now, not at the first export: a restarted job delivers what its killed predecessor
    // left even before it has anything of its own to export.
    // Opening never rejects for I/O (the spool starts in memory fallback); anything else would
    // surface at the first experiment's creation, which awaits the same promise.
    if (spool !== undefined) spool.open(client).catch(() => undefined);
    this.#registry = new ExperimentRegistry({
      provision: this.#destination.provision,
      delivery: options,
      onLoss: (slug, message) => this.warnings.lost(slug, message),
      onDelivered: (slug) => this.warnings.delivered(slug),
      // The owner's journals (the bridge's spool), else this exporter's own spool, if any: with
      // either, a creation that waits for Syvain is deferred and its events journaled meanwhile.
      ...(journals !== undefined ? { journals } : spool !== undefined && client !== undefined ? { journals: { journal: (spec, id) => spool.experimentJournal(client, spec, id) } } : {}),
      // Without a spool, a creation Syvain does not answer holds the first export 2 s at most: no
      // longer the SDK's 30 s export timeout, past every deadline of a provider's shutdown.
      deferInMemory: !waitForCreations,
      ...(watchSink === undefined ? {} : { watchSink }),
    });
    this.#idleSweep = startIdleSweep(options.experimentIdleSeconds, (idleMs) => this.#releaseIdle(idleMs));
  }

  /** An experiment with an export still mapping, queueing or waiting for its creation is not idle. */
  #releaseIdle(idleMs: number): void {
    const released = this.#registry.releaseIdle(idleMs, (slug) => this.#tails.has(slug));
    if (released.length > 0) exporterDiag.debug(`released ${released.length} idle experiment(s): ${released.map((slug) => JSON.stringify(slug)).join(", ")}`);
  }

  attach(): void {
    this.#holders += 1;
  }

  get isClosed(): boolean {
    return this.#closing !== undefined;
  }

  specFor(resource: Resource): ExperimentSpec {
    const { slug, defaultFolderId, defaultFolderPath } = this.options;
    return experimentFromResource(resource.attributes, { slug, defaultFolderId, defaultFolderPath });
  }

  steppedSums(slug: string): SteppedSumValues {
    let values = this.#steppedSums.get(slug);
    if (values === undefined) this.#steppedSums.set(slug, (values = new SteppedSumValues()));
    return values;
  }

  counters(slug: string): SlugCounters {
    let counters = this.#counters.get(slug);
    if (counters === undefined) this.#counters.set(slug, (counters = newSlugCounters()));
    return counters;
  }

  /**
   * Hands `enqueue` the experiment's outbox and gives the number of queued events it evicted to
   * make room: at once when the experiment is known, else after its creation (a promise). Throws /
   * rejects with a `SyvainError`: creation failure, shutdown.
   */
  deliver(spec: ExperimentSpec, enqueue: Enqueue): number | Promise<number> {
    const target = this.#registry.resolve(spec);
    if (!(target instanceof Promise)) return enqueueCounted(target, enqueue);
    return target.then((entry) => enqueueCounted(entry, enqueue));
  }

  /**
   * Runs `work` after the unfinished work of earlier exports to the same experiment, so exports
   * are queued in order; synchronously when there is none. Unfinished work is tracked until it
   * settles: `forceFlush()` and `shutdown()` wait for it (every chunk of an export already
   * accepted gets queued before the drain).
   */
  inOrder(slug: string, work: () => Promise<void> | undefined): Promise<void> | undefined {
    const tail = this.#tails.get(slug);
    const task = tail === undefined ? work() : tail.then(work);
    if (task === undefined) return undefined;
    const tracked = task.catch(() => undefined);
    this.#tails.set(slug, tracked);
    this.#pendingExports.add(tracked);
    void tracked.then(() => {
      this.#pendingExports.delete(tracked);
      if (this.#tails.get(slug) === tracked) this.#tails.delete(slug);
    });
    return task;
  }

  recordFailure(slug: string, error: SyvainError): void {
    const counters = this.counters(slug);
    counters.failedExports += 1;
    counters.lastExportError = error;
  }

  /**
   * Drains every outbox (exports still mapping or creating their experiment included) until the
   * deadline of the owner driving this flush (`flush-deadline.ts`), else for `flushTimeoutSeconds`.
   */
  forceFlush(): Promise<void> {
    return this.#drainUntil(ownerFlushDeadline() ?? deadlineIn(this.options.flushTimeoutSeconds), "forceFlush");
  }

  /**
   * Sends what is queued now (the exports in progress first) and says whether all of it was
   * delivered by `deadline`, and synced where the sink syncs (a JSONL file: written and fsynced).
   * Judged on what it covers only, not on losses counted before: the JSONL bridge answers 200 on it.
   */
  async deliveredWithin(deadline: number): Promise<boolean> {
    await waitUntil(Promise.allSettled(this.#pendingExports), deadline);
    const statuses = await this.#registry.flushAll(deadline);
    const outboxes = new Map(this.#registry.entries().map((entry) => [entry.slug, entry.outbox]));
    return statuses.every(({ slug, status }) => status.pendingMetrics + status.pendingAnnotations + status.pendingStatusUpdates === 0 && outboxes.get(slug)?.syncFailed !== true);
  }

  /** The deadline of a shutdown starting now: its owner's, else `shutdownTimeoutSeconds` from now. */
  shutdownDeadline(): number {
    return ownerFlushDeadline() ?? deadlineIn(this.options.shutdownTimeoutSeconds);
  }

  /**
   * `operation`: what the user called, named in the warnings. A shutdown that leaves the core to a
   * sibling is not the last word: what it could not deliver is still queued, a note like a flush's.
   */
  async #drainUntil(deadline: number, operation: "forceFlush" | "shutdown"): Promise<void> {
    await waitUntil(Promise.allSettled(this.#pendingExports), deadline);
    this.#warnStillWaiting(operation);
    const statuses = await this.#registry.flushAll(deadline);
    this.#warnIncomplete(operation, statuses, false);
  }

  /**
   * Exports still waiting past a flush's deadline (for their experiment's creation: Syvain does not
   * answer) have queued nothing yet: said, and kept as the experiment's last error, since the flush
   * finds no outbox to report on, and the data is lost if the process ends before Syvain answers.
   * (A shutdown abandons such creations instead, and their exports fail and are counted.)
   */
  #warnStillWaiting(operation: string): void {
    for (const slug of this.#tails.keys()) {
      const error = new SyvainError(
        "timeout",
        `${operation}: an export to experiment ${JSON.stringify(slug)} still waits for its creation (Syvain has not answered): its data is not queued yet, and is lost if the process ends first`,
        { retryable: true },
      );
      this.counters(slug).lastExportError = error;
      // Not lost yet (a note): the loss, if it comes, is a failed export at shutdown, warned then.
      this.warnings.pending(slug, error.message);
    }
  }

  /**
   * Each release drains within `shutdownTimeoutSeconds`, or until the deadline of the owner whose
   * shutdown releases it (a reader's or a processor's shutdown, a facade experiment's `close()`, the
   * bridge's drain: `flush-deadline.ts`), so that one deadline covers the whole shutdown; the last
   * release then closes.
   */
  release(): Promise<void> {
    this.#holders -= 1;
    if (this.#holders > 0) return this.#drainUntil(this.shutdownDeadline(), "shutdown");
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** The spool's figures; `null` without a spool. */
  spoolStats(): SpoolSessionStats | null {
    return this.#spool?.stats() ?? null;
  }

  stats(): ExperimentExportStats[] {
    const entries = new Map(this.#registry.entries().map((entry) => [entry.slug, entry]));
    const creationErrors = this.#registry.creationErrors();
    const released = this.#registry.released();
    const slugs = new Set([...entries.keys(), ...creationErrors.keys(), ...this.#counters.keys(), ...released.keys()]);
    return [...slugs].sort().map((slug) => {
      const entry = entries.get(slug);
      const counters = this.#counters.get(slug);
      if (entry === undefined) {
        const gone = released.get(slug);
        return experimentStats(slug, gone?.experimentId, gone?.stats, counters, creationErrors.get(slug));
      }
      return experimentStats(slug, entry.experimentId, entryStats(entry), counters, creationErrors.get(slug), eventsInMemory(entry.outbox));
    });
  }

  /** Cheap: stops at the first reason. */
  isBackpressured(): boolean {
    return this.#pressure(true).length > 0;
  }

  health(): SyvainExporterHealth {
    const reasons = this.#pressure(false);
    return { backpressured: reasons.length > 0, reasons, experimentsHeld: this.#registry.held };
  }

  #pressure(firstOnly: boolean): string[] {
    const reasons: string[] = [];
    for (const [slug, error] of this.#registry.creationErrors()) {
      if (error.retryable) reasons.push(`experiment ${JSON.stringify(slug)}: Syvain unavailable (${error.message})`);
      if (firstOnly && reasons.length > 0) return reasons;
    }
    for (const entry of this.#registry.entries()) {
      const reason = outboxPressure(entry.slug, { ...entry.outbox.stats(), eventsInMemory: eventsInMemory(entry.outbox) }, this.options.maxQueueItems, entry.delivery.retryableFailure);
      if (reason !== undefined) reasons.push(reason);
      if (firstOnly && reasons.length > 0) return reasons;
    }
    return reasons;
  }

  #warnIncomplete(operation: string, statuses: readonly SlugStatus[], final: boolean): void {
    for (const { slug, status, kept } of statuses) {
      if (status.ok) continue;
      const pending = status.pendingMetrics + status.pendingAnnotations;
      const failed = status.failedMetrics + status.failedAnnotations;
      const dropped = status.droppedMetrics + status.droppedAnnotations;
      const message =
        `${operation}: delivery to experiment ${JSON.stringify(slug)} incomplete: ${pending} pending, ${failed} failed, ${dropped} dropped` +
        (status.lastError === undefined ? "" : `; last error: ${status.lastError.message}`) +
        keptOnDiskNote(kept);
      // A shutdown's account is final (always said); after a flush, pending data is still queued
      // (a note, which must not use up the budget of a loss warning); failures and drops are losses.
      if (final) this.warnings.final(message);
      else if (failed + dropped > 0) this.warnings.lost(slug, message);
      else this.warnings.pending(slug, message);
    }
  }

  async #close(): Promise<void> {
    this.#idleSweep?.stop();
    const closeDeadline = this.shutdownDeadline();
    try {
      const deadline = closeDeadline;
      await waitUntil(Promise.allSettled(this.#pendingExports), deadline);
      const statuses = await this.#registry.closeAll(deadline);
      this.#warnIncomplete("shutdown", statuses, true);
    } finally {
      // Creations past the deadline were abandoned: every export waiting on one is answered now.
      await Promise.allSettled(this.#pendingExports);
      // What was not delivered stays in the spool, synced; its background resume needs the client, closed after.
      await this.#spool?.close(secondsUntil(closeDeadline));
      await this.#destination.close();
    }
  }
}

function droppedCount(entry: RegistryEntry): number {
  const stats = entry.outbox.stats();
  return stats.metrics.dropped + stats.annotations.dropped;
}

/** Enqueues into an open outbox; gives how many queued events the outbox evicted to make room. */
function enqueueCounted(entry: RegistryEntry, enqueue: Enqueue): number {
  if (entry.outbox.isClosed) {
    throw new SyvainError("shutdown", `experiment ${JSON.stringify(entry.slug)}: the exporter is shut down; nothing was queued`);
  }
  const before = droppedCount(entry);
  enqueue(entry);
  return droppedCount(entry) - before;
}

export function queueOverflowError(slug: string, maxQueueItems: number, evicted: number): SyvainError {
  return new SyvainError(
    "queue_overflow",
    `experiment ${JSON.stringify(slug)}: queue full (maxQueueItems ${maxQueueItems}); ${evicted} oldest queued events were evicted to make room. Syvain is not keeping up or is unreachable`,
  );
}

/** Pending events an outbox holds in memory: all of them without a spool; with one, not those spilled to disk. */
function eventsInMemory(outbox: Outbox): number {
  const memory = outbox.memoryStats();
  if (memory !== undefined) return memory.eventsInMemory;
  const { metrics, annotations } = outbox.stats();
  return metrics.pending + annotations.pending;
}
