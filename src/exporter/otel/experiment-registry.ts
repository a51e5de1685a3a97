/**
 * One `Outbox` per experiment, shared by the metric and the log exporter that share a registry.
 *
 * `resolve()` answers synchronously once an experiment is known, so a steady-state export never
 * waits for I/O. The first export of an unseen slug starts its creation; exports racing it share
 * the same promise, so the experiment is created once however many exports run concurrently.
 * A failed creation is forgotten (the next export tries again) and remembered only as the slug's
 * entry in `creationErrors()`, for stats and health. Closing waits for creations until its deadline, then
 * abandons them (their exports fail with `shutdown`), so a hung host cannot hold a shutdown.
 * With journals (a spool), a creation that fails because Syvain is unavailable is deferred instead
 * (see `experiment-journals.ts`): the entry is ready at once, its outbox creates the experiment.
 * With journals or `deferInMemory`, a creation Syvain has not answered within the deferral delay is
 * deferred the same way (in memory: its events wait in the outbox), never later than the deadline
 * of an owner's flush or shutdown the export runs in (`flush-deadline.ts`): a first export waiting
 * for a hanging Syvain held a provider's shutdown for every creation attempt, or the SDK's 30 s
 * export timeout, past the exporters' own deadlines.
 */
import { SyvainError, wrapUnexpected } from "../../api/errors.ts";
import { secondsUntil, waitUntil } from "../../delivery/deadline.ts";
import { Outbox } from "../../delivery/outbox.ts";
import type { DeliveryOptions, DeliverySink, FlushStatus, OutboxStats } from "../../delivery/delivery-types.ts";
import type { OutboxJournal, SpoolKeeping } from "../../delivery/journal/outbox-journal.ts";
import { answeredWithin, DEFER_CREATION_AFTER_MS, StillCreating } from "../../destinations/answered-within.ts";
import type { ProvisionedExperiment } from "../../destinations/destination.ts";
import type { ExperimentSpec } from "../../mapping/experiment.ts";
import type { Provisioner } from "./destination.ts";
import { exporterDiag } from "./diag-logger.ts";
import { ownerFlushDeadline } from "./flush-deadline.ts";
import { creatingSink, type ExperimentJournals } from "./experiment-journals.ts";
import { observeSink, type DeliveryHealth } from "./observed-sink.ts";
import { isReleasable, withEarlier, type ReleasedExperiment } from "./idle-experiments.ts";

export interface RegistryEntry {
  readonly slug: string;
  /** `undefined` until a deferred creation succeeds (then set). */
  experimentId: string | undefined;
  readonly outbox: Outbox;
  readonly delivery: DeliveryHealth;
  /** When an export last resolved it (ms since epoch): an idle experiment is released (`idle-experiments.ts`). */
  lastUsed: number;
  /** What the experiment's earlier outboxes counted, released while it was idle. */
  readonly earlier: OutboxStats | undefined;
}

export interface SlugStatus {
  slug: string;
  status: FlushStatus;
  /** Where what it did not deliver waits on disk (a spool), if anywhere. */
  kept: SpoolKeeping | undefined;
}

/** Retry rounds of a drain: in practice "until the deadline", which is what bounds it. */
const DRAIN_RETRIES = 1000;
/** Closing a released outbox: nothing is pending, so this only bounds its sink's close. */
const RELEASE_CLOSE_SECONDS = 5;

export interface ExperimentRegistryOptions {
  provision: Provisioner;
  delivery: DeliveryOptions;
  /** An outbox gave events up (overflow, a batch Syvain refused for good). */
  onLoss: (slug: string, message: string) => void;
  /** An outbox delivered a batch. */
  onDelivered: (slug: string) => void;
  /** Journals each outbox to a spool, and defers creations while Syvain is unavailable. */
  journals?: ExperimentJournals;
  /**
   * Without journals: a creation Syvain has not answered within `DEFER_CREATION_AFTER_MS` is
   * deferred, its events held in memory (bounded by the outbox) until it is answered, or given up
   * and counted at shutdown. Off for the memory-only bridge, whose 503 lets the sender keep its copy.
   */
  deferInMemory?: boolean;
  /** Each experiment's sink as the owner watches it, under the outbox's own observation. */
  watchSink?: (sink: DeliverySink, slug: string) => DeliverySink;
}

export class ExperimentRegistry {
  readonly #provision: Provisioner;
  readonly #delivery: DeliveryOptions;
  readonly #onLoss: (slug: string, message: string) => void;
  readonly #onDelivered: (slug: string) => void;
  readonly #journals: ExperimentJournals | undefined;
  readonly #deferInMemory: boolean;
  readonly #watchSink: ((sink: DeliverySink, slug: string) => DeliverySink) | undefined;
  readonly #ready = new Map<string, RegistryEntry>();
  readonly #creating = new Map<string, Promise<RegistryEntry>>();
  readonly #creationErrors = new Map<string, SyvainError>();
  /** Experiments released while idle, by slug, until an export gets them again. */
  readonly #released = new Map<string, ReleasedExperiment>();
  /** Closes of released outboxes still running: `closeAll` waits for them (their sinks close before the client). */
  readonly #releasing = new Set<Promise<unknown>>();
  readonly #abandon = new AbortController();
  #closed = false;

  constructor(options: ExperimentRegistryOptions) {
    this.#provision = options.provision;
    this.#delivery = options.delivery;
    this.#onLoss = options.onLoss;
    this.#onDelivered = options.onDelivered;
    this.#journals = options.journals;
    this.#deferInMemory = options.deferInMemory ?? false;
    this.#watchSink = options.watchSink;
  }

  /** The experiment's entry: at once when known, else the (shared) creation in progress. */
  resolve(spec: ExperimentSpec): RegistryEntry | Promise<RegistryEntry> {
    const ready = this.#ready.get(spec.slug);
    if (ready !== undefined) {
      ready.lastUsed = Date.now();
      return ready;
    }
    if (this.#closed) return Promise.reject(new SyvainError("shutdown", `cannot create experiment ${JSON.stringify(spec.slug)}: the exporter is shut down`));
    const creating = this.#creating.get(spec.slug);
    if (creating !== undefined) return creating;
    const created = this.#create(spec);
    this.#creating.set(spec.slug, created);
    return created;
  }

  entries(): RegistryEntry[] {
    return [...this.#ready.values()];
  }

  /** Experiments held in memory: known, or being created. */
  get held(): number {
    return this.#ready.size + this.#creating.size;
  }

  /** Experiments released while idle (not gotten again since), with what they counted. */
  released(): ReadonlyMap<string, ReleasedExperiment> {
    return this.#released;
  }

  /**
   * Releases every experiment idle for `idleMs` whose release loses nothing (`isReleasable`);
   * `busy(slug)`: an export of it is still in progress. Gives the slugs released.
   */
  releaseIdle(idleMs: number, busy: (slug: string) => boolean): string[] {
    const now = Date.now();
    const released: string[] = [];
    for (const entry of this.#ready.values()) {
      if (!isReleasable(entry, now, idleMs, busy(entry.slug))) continue;
      this.#ready.delete(entry.slug);
      this.#released.set(entry.slug, { experimentId: entry.experimentId!, stats: entryStats(entry) });
      const closing = entry.outbox.close({ timeoutSeconds: RELEASE_CLOSE_SECONDS }).catch(() => undefined);
      this.#releasing.add(closing);
      void closing.then(() => this.#releasing.delete(closing));
      released.push(entry.slug);
    }
    return released;
  }

  /** Slugs whose last creation attempt failed and that have no experiment yet, with the error. */
  creationErrors(): ReadonlyMap<string, SyvainError> {
    return this.#creationErrors;
  }

  /**
   * Sends what is queued, retrying retryable failures until `deadline` (epoch ms). Creations in progress
   * are waited for first (their events are about to be queued), within the same deadline.
   */
  async flushAll(deadline: number): Promise<SlugStatus[]> {
    await waitUntil(Promise.allSettled(this.#creating.values()), deadline);
    return Promise.all(
      this.entries().map(async ({ slug, outbox }) => ({
        slug,
        // Judged on what was queued before it: records exported while it runs are not its debt.
        status: await outbox.flushCovered({ retries: DRAIN_RETRIES, timeoutSeconds: secondsUntil(deadline) }),
        kept: outbox.spoolKeeping(),
      })),
    );
  }

  /** Refuses new experiments, drains every outbox until the deadline, abandons creations still running, closes. */
  async closeAll(deadline: number): Promise<SlugStatus[]> {
    this.#closed = true;
    await waitUntil(Promise.allSettled(this.#releasing), deadline);
    await this.flushAll(deadline);
    this.#abandon.abort("the exporter shut down before the experiment was created");
    return Promise.all(
      this.entries().map(async ({ slug, outbox }) => ({ slug, status: await outbox.close({ timeoutSeconds: secondsUntil(deadline) }), kept: outbox.spoolKeeping() })),
    );
  }

  async #create(spec: ExperimentSpec): Promise<RegistryEntry> {
    try {
      let provisioned;
      const attempt = this.#provision(spec, this.#abandon.signal);
      const deferAfterMs = this.#deferAfterMs();
      try {
        provisioned = deferAfterMs === undefined ? await attempt : await answeredWithin(attempt, deferAfterMs, spec.slug);
      } catch (error) {
        const deferred = await this.#defer(spec, error, error instanceof StillCreating ? attempt : undefined);
        if (deferred === undefined) throw error;
        return deferred;
      }
      // Too late: the outboxes were closed without this one.
      if (this.#abandon.signal.aborted) throw new SyvainError("shutdown", `experiment ${JSON.stringify(spec.slug)}: the exporter shut down before it was ready`);
      const journal = await this.#journals?.journal(spec, provisioned.id);
      const entry = this.#open(spec, provisioned.id, provisioned.sink, journal?.journal);
      exporterDiag.debug(`experiment ${JSON.stringify(spec.slug)} ready (id ${provisioned.id})`);
      return entry;
    } catch (error) {
      const failure = wrapUnexpected(error, `experiment ${JSON.stringify(spec.slug)}`);
      this.#creationErrors.set(spec.slug, failure);
      throw failure;
    } finally {
      this.#creating.delete(spec.slug);
    }
  }

  /**
   * How long a creation may hold the exports waiting for it before it is deferred; `undefined`: until
   * it is answered (no deferral). Never past the deadline of the owner's flush or shutdown the first
   * export runs in (a `SyvainMetricReader`'s shutdown: its last collection).
   */
  #deferAfterMs(): number | undefined {
    if (this.#journals === undefined && !this.#deferInMemory) return undefined;
    const after = this.#journals?.deferCreationAfterMs ?? DEFER_CREATION_AFTER_MS;
    const owner = ownerFlushDeadline();
    return owner === undefined ? after : Math.max(0, Math.min(after, owner - Date.now()));
  }

  /**
   * With journals, a creation failed only because Syvain is unavailable, or is still waiting for it
   * (`running`, which the entry's sink then awaits rather than starting another): an entry whose
   * outbox creates it later. In memory, only one still waiting: a creation that failed is the
   * export's failure, as before (nothing would keep its events past the process).
   */
  async #defer(spec: ExperimentSpec, error: unknown, running: Promise<ProvisionedExperiment> | undefined): Promise<RegistryEntry | undefined> {
    if (!(error instanceof SyvainError) || !error.retryable || this.#abandon.signal.aborted) return undefined;
    if (this.#journals === undefined && !(this.#deferInMemory && error instanceof StillCreating)) return undefined;
    const { journal, created } = this.#journals === undefined ? { journal: undefined, created: undefined } : await this.#journals.journal(spec, null);
    if (this.#abandon.signal.aborted) throw new SyvainError("shutdown", `experiment ${JSON.stringify(spec.slug)}: the exporter shut down before it was ready`);
    let first = running;
    const provision: Provisioner = (given, signal) => {
      const creation = first ?? this.#provision(given, signal);
      first = undefined;
      return creation;
    };
    const sink = creatingSink(spec, provision, this.#abandon.signal, (provisioned) => {
      const entry = this.#ready.get(spec.slug);
      if (entry !== undefined) entry.experimentId = provisioned.id;
      created?.();
      exporterDiag.debug(`experiment ${JSON.stringify(spec.slug)} created late (id ${provisioned.id})`);
    });
    const entry = this.#open(spec, undefined, sink, journal);
    exporterDiag.debug(`experiment ${JSON.stringify(spec.slug)}: Syvain unavailable (${error.message}); creation deferred, events ${journal === undefined ? "held in memory" : "journaled"}`);
    return entry;
  }

  #open(spec: ExperimentSpec, experimentId: string | undefined, sink: DeliverySink, journal: OutboxJournal | undefined): RegistryEntry {
    const delivery: DeliveryHealth = { retryableFailure: undefined };
    const label = `experiment ${JSON.stringify(spec.slug)}`;
    const onLoss = (message: string): void => this.#onLoss(spec.slug, message);
    const outbox = new Outbox({
      ...this.#delivery,
      sink: observeSink(this.#watchSink?.(sink, spec.slug) ?? sink, delivery, {
        delivered: () => this.#onDelivered(spec.slug),
        gaveUp: (error, items) => onLoss(`${label}: ${items} events not delivered: ${error.message}`),
      }),
      label,
      onWarning: onLoss,
      ...(journal === undefined ? {} : { journal }),
    });
    const earlier = this.#released.get(spec.slug)?.stats;
    this.#released.delete(spec.slug);
    const entry: RegistryEntry = { slug: spec.slug, experimentId, outbox, delivery, lastUsed: Date.now(), earlier };
    this.#ready.set(spec.slug, entry);
    this.#creationErrors.delete(spec.slug);
    return entry;
  }
}

/** An entry's counts over its whole life: its released outboxes' and its current one's. */
export function entryStats(entry: RegistryEntry): OutboxStats {
  return withEarlier(entry.outbox.stats(), entry.earlier);
}
