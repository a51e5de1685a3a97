/**
 * What the three collectors share: argument validation, one outbox per experiment, the
 * `Experiment` object, and closing. They differ only in their destination (`src/destinations`):
 * how an experiment comes to exist (a request, a JSONL record, nothing) and which sink receives
 * its batches. The facade creates (`ifExists: "error"`: an existing slug is a `conflict`) or
 * creates-or-reuses; it never shares the exporters' get-or-create.
 * Online with a spool, a creation Syvain has not answered within 2 s, or cannot be reached for,
 * is deferred with that same policy (`deferred-creation.ts`).
 */
import { MemoryFigures, type CollectorMemoryStats } from "./memory-figures.ts";
import type { DeliveryOptions, DeliverySink, FlushStatus } from "../delivery/delivery-types.ts";
import type { Destination } from "../destinations/destination.ts";
import { offlineRunCreationKey, runCreationKey } from "../destinations/creation-key.ts";
import { Outbox } from "../delivery/outbox.ts";
import { SyvainError, wrapUnexpected } from "../api/errors.ts";
import { deliveryPart, type ResolvedLocalCollectorOptions } from "./collector-options.ts";
import { Experiment } from "./experiment.ts";
import { validateExperimentArgs, type ExperimentOptions } from "./experiment-options.ts";
import type { SyvainClient } from "../client/client-types.ts";
import type { SpoolSession, SpoolSessionStats } from "../destinations/spool-session.ts";
import type { Experiment as ExperimentRecord } from "../api/contract.ts";
import type { OutboxJournal } from "../delivery/journal/outbox-journal.ts";
import { canDefer, deferCreation } from "./deferred-creation.ts";
import { answeredWithin, DEFER_CREATION_AFTER_MS, StillCreating } from "../destinations/answered-within.ts";
import type { DeferredJournalRules } from "../destinations/keep-unless-refused.ts";
import { randomUUID } from "node:crypto";
import { deadlineIn, secondsUntil } from "../delivery/deadline.ts";

/** Events of an experiment queued so far (every kind but status updates). */
function queuedEvents(outbox: Outbox): number {
  const { metrics, annotations } = outbox.stats();
  return metrics.enqueued + annotations.enqueued;
}

/** `collector.close(options)`. */
export interface CloseOptions {
  /**
   * One deadline for all that `close()` covers: every experiment's queue, its OTel view's providers,
   * the background delivery of leftovers. Longer or shorter than `exitFlushTimeoutSeconds`.
   * @default exitFlushTimeoutSeconds
   */
  timeoutSeconds?: number;
}

/** What `close()` reports for one experiment: its last flush, within the close's deadline. */
export interface ExperimentCloseStatus {
  slug: string;
  id: string;
  status: FlushStatus;
}


/** What `collector.stats()` reports. */
export interface CollectorStats {
  /** `null`: no spool (`spoolDir: false`, or a collector that never spools). */
  spool: SpoolSessionStats | null;
  /** Events in memory and spilled to the spool (`null` without a spool: nothing spills). */
  memory: CollectorMemoryStats | null;
}

/** The optional spool of a collector, and the client its background resume delivers with. */
export interface CollectorSpooling {
  spool: SpoolSession;
  client: SyvainClient | undefined;
}

export abstract class CollectorBase implements AsyncDisposable {
  readonly #owner: string;
  readonly #destination: Destination;
  readonly #delivery: Required<DeliveryOptions>;
  readonly #exitFlushTimeoutSeconds: number;
  readonly #flushOnExit: boolean;
  readonly #experiments = new Set<Experiment>();
  readonly #memory = new MemoryFigures();
  #closing: Promise<ExperimentCloseStatus[]> | undefined;
  /** Abandons late creations (deferred-creation.ts) once the close deadline has passed. */
  readonly #abandon = new AbortController();
  readonly #spooling: CollectorSpooling | undefined;

  /** `options`: the collector's validated options (every collector has the local ones); the rest is its own. */
  protected constructor(owner: string, options: ResolvedLocalCollectorOptions, destination: Destination, spooling?: CollectorSpooling) {
    this.#owner = owner;
    this.#spooling = spooling;
    this.#destination = destination;
    this.#delivery = deliveryPart(options);
    this.#exitFlushTimeoutSeconds = options.exitFlushTimeoutSeconds;
    this.#flushOnExit = options.flushOnExit;
  }

  /**
   * Creates the experiment (required state: any failure raises a typed error) and returns the
   * object that records its metrics, annotations and status.
   */
  async experiment(slug: string, options: ExperimentOptions = {}): Promise<Experiment> {
    const owner = `${this.#owner}.experiment()`;
    if (this.#closing !== undefined) throw new SyvainError("shutdown", `${owner}: the collector is closed`);
    const { spec, ifExists } = validateExperimentArgs(slug, options, owner);
    const spool = await this.#spooling?.spool.open(this.#spooling.client);
    const session = this.#spooling?.spool;
    const client = this.#spooling?.client;
    const policy = ifExists === "reuse" ? "create-or-reuse" : "create";
    // Unique to this call: our own creation, answered late or lost, is replayed as our 201 (deferred-creation.ts).
    // Offline it carries no time: the creation first reaches Syvain with a later sync (creation-key.ts).
    const key = policy !== "create" ? undefined : session?.offline === true ? offlineRunCreationKey(randomUUID()) : runCreationKey(Date.now(), randomUUID());
    // Online with a spool that writes, Syvain not answering in time defers like Syvain refusing connections.
    const deferrable = spool && session && client && !session.offline && spool.stats().state === "active" ? { spool, session, client } : undefined;
    const attempt = this.#destination.provision(spec, policy, this.#abandon.signal, key);
    // The outbox is made after the creation settles: until then, nothing is queued.
    let queuedSoFar = (): number => 0;
    let provisioned: { record: ExperimentRecord; sink: DeliverySink; journal?: OutboxJournal; created?: Promise<string>; rules?: DeferredJournalRules };
    try {
      provisioned = deferrable ? await answeredWithin(attempt, DEFER_CREATION_AFTER_MS, spec.slug) : await attempt;
    } catch (error) {
      // Online with a working spool, Syvain being unreachable does not stop the run (deferred-creation.ts).
      if (deferrable === undefined || !canDefer(error, deferrable.spool)) throw this.creationFailed(error);
      const running = error instanceof StillCreating ? attempt : undefined;
      const queued = (): number => queuedSoFar();
      const context = { session: deferrable.session, client: deferrable.client, destination: this.#destination, abandon: this.#abandon.signal };
      provisioned = await deferCreation(context, { spec, policy, key, running, queued }, error);
    }
    const { record, sink, created } = provisioned;
    // Offline, every record of a `create` carries its key, as a deferred one's do: two runs of one slug stay two on sync.
    const rules = provisioned.rules ?? (session?.offline === true && key !== undefined ? { keepFailed: false, creationKey: key } : undefined);
    const journal = provisioned.journal ?? (spool && session?.journal(spool, record, { spec, policy, key }, rules));
    // Lazy: nothing here awaits the spool's durability of what `metric()` just queued.
    const outbox = new Outbox({ ...this.#delivery, sink, label: `experiment ${JSON.stringify(record.slug)}`, ...(journal ? { journal, lazyJournal: true } : {}) });
    queuedSoFar = () => queuedEvents(outbox);
    // The OTel view's outboxes journal to the same spool, under the experiment's own server id (none yet if deferred).
    const otelJournals = spool && session && { journal: () => ({ journal: session.journal(spool, record, undefined, rules) }) };
    const experiment = new Experiment({
      record,
      outbox,
      sink,
      ...(created ? { created } : {}),
      ...(otelJournals ? { otelJournals } : {}),
      exitFlushTimeoutSeconds: this.#exitFlushTimeoutSeconds,
      flushOnExit: this.#flushOnExit,
      abandonCreations: () => this.#abandon.abort(new Error("the process is ending before Syvain could create the experiment")),
    });
    this.#experiments.add(experiment);
    if (journal) this.#memory.add(outbox);
    return experiment;
  }

  /**
   * The error `experiment()` raises when the destination could not create the experiment (and it
   * could not be deferred); a collector that talks to a server says more (which host, what to do).
   */
  protected creationFailed(error: unknown): unknown {
    return error;
  }

  /** Figures of the collector as a whole (per-experiment delivery counts: `experiment.stats()`). */
  stats(): CollectorStats {
    return { spool: this.#spooling?.spool.stats() ?? null, memory: this.#spooling ? this.#memory.stats() : null };
  }

  /**
   * Closes every experiment it created (each drains, its OTel view's providers included, until one
   * deadline: `timeoutSeconds`, else `exitFlushTimeoutSeconds`), then its own resources, and returns
   * each experiment's final flush status (`ok: false` says what was not delivered). Idempotent: a
   * second call returns the same statuses.
   */
  close(options: CloseOptions = {}): Promise<ExperimentCloseStatus[]> {
    this.#closing ??= this.#closeAll(options.timeoutSeconds ?? this.#exitFlushTimeoutSeconds);
    return this.#closing;
  }

  async #closeAll(timeoutSeconds: number): Promise<ExperimentCloseStatus[]> {
    const experiments = [...this.#experiments];
    this.#experiments.clear();
    const deadline = deadlineIn(timeoutSeconds);
    const abandon = () => this.#abandon.abort(new Error("the collector closed before Syvain could create the experiment"));
    const timer = deadline === Infinity ? undefined : setTimeout(abandon, deadline - Date.now()).unref();
    const statuses = await Promise.all(experiments.map(async (e) => ({ slug: e.slug, id: e.id, status: await e.close({ timeoutSeconds }) })));
    clearTimeout(timer);
    this.#abandon.abort(new Error("the collector is closed"));
    // What the experiments could not deliver stays in the spool, synced, for the next run or `sync`.
    await this.#spooling?.spool.close(secondsUntil(deadline) ?? timeoutSeconds);
    try {
      await this.#destination.close();
    } catch (error) {
      // The statuses are close()'s answer; a destination that cannot finish (a JSONL file on a full
      // disk) makes each of them not ok, rather than a rejection that hides them.
      const failure = wrapUnexpected(error, `${this.#owner}.close()`);
      for (const { status } of statuses) Object.assign(status, { ok: false, lastError: status.lastError ?? failure });
    }
    return statuses;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
