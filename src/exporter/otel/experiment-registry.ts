/**
 * One `Outbox` per experiment, shared by the metric and the log exporter that share a registry.
 *
 * `resolve()` answers synchronously once an experiment is known, so a steady-state export never
 * waits for I/O. The first export of an unseen slug starts its creation; exports racing it share
 * the same promise, so the experiment is created once however many exports run concurrently.
 * A failed creation is forgotten (the next export tries again) and remembered only as the slug's
 * entry in `creationErrors()`, for stats and health. Closing waits for creations until its deadline, then
 * abandons them (their exports fail with `shutdown`), so a hung host cannot hold a shutdown.
 */
import { SyvainError, wrapUnexpected } from "../../api/errors.ts";
import { secondsUntil, waitUntil } from "../../delivery/deadline.ts";
import { Outbox } from "../../delivery/outbox.ts";
import type { OutboxJournal } from "../../delivery/journal/outbox-journal.ts";
import type { DeliveryOptions, FlushStatus } from "../../delivery/delivery-types.ts";
import type { ExperimentSpec } from "../../mapping/experiment.ts";
import type { Provisioner } from "./destination.ts";
import { exporterDiag } from "./diag-logger.ts";
import { observeSink, type DeliveryHealth } from "./observed-sink.ts";

export interface RegistryEntry {
  readonly slug: string;
  readonly experimentId: string;
  readonly outbox: Outbox;
  readonly delivery: DeliveryHealth;
}

export interface SlugStatus {
  slug: string;
  status: FlushStatus;
}

/** Retry rounds of a drain: in practice "until the deadline", which is what bounds it. */
const DRAIN_RETRIES = 1000;

export interface ExperimentRegistryOptions {
  provision: Provisioner;
  delivery: DeliveryOptions;
  /** An outbox gave events up (overflow, a batch Syvain refused for good). */
  onLoss: (slug: string, message: string) => void;
  /** An outbox delivered a batch. */
  onDelivered: (slug: string) => void;
  /** The spool journal of a new experiment's outbox (`undefined`: no spool). */
  journal?: (slug: string, experimentId: string) => Promise<OutboxJournal>;
}

export class ExperimentRegistry {
  readonly #provision: Provisioner;
  readonly #delivery: DeliveryOptions;
  readonly #onLoss: (slug: string, message: string) => void;
  readonly #onDelivered: (slug: string) => void;
  readonly #journal: ExperimentRegistryOptions["journal"];
  readonly #ready = new Map<string, RegistryEntry>();
  readonly #creating = new Map<string, Promise<RegistryEntry>>();
  readonly #creationErrors = new Map<string, SyvainError>();
  readonly #abandon = new AbortController();
  #closed = false;

  constructor(options: ExperimentRegistryOptions) {
    this.#provision = options.provision;
    this.#delivery = options.delivery;
    this.#onLoss = options.onLoss;
    this.#onDelivered = options.onDelivered;
    this.#journal = options.journal;
  }

  /** The experiment's entry: at once when known, else the (shared) creation in progress. */
  resolve(spec: ExperimentSpec): RegistryEntry | Promise<RegistryEntry> {
    const ready = this.#ready.get(spec.slug);
    if (ready !== undefined) return ready;
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
        status: await outbox.flush({ retries: DRAIN_RETRIES, timeoutSeconds: secondsUntil(deadline) }),
      })),
    );
  }

  /** Refuses new experiments, drains every outbox until the deadline, abandons creations still running, closes. */
  async closeAll(deadline: number): Promise<SlugStatus[]> {
    this.#closed = true;
    await this.flushAll(deadline);
    this.#abandon.abort("the exporter shut down before the experiment was created");
    return Promise.all(
      this.entries().map(async ({ slug, outbox }) => ({ slug, status: await outbox.close({ timeoutSeconds: secondsUntil(deadline) }) })),
    );
  }

  async #create(spec: ExperimentSpec): Promise<RegistryEntry> {
    try {
      const provisioned = await this.#provision(spec, this.#abandon.signal);
      const journal = await this.#journal?.(spec.slug, provisioned.id);
      // Too late: the outboxes were closed without this one.
      if (this.#abandon.signal.aborted) throw new SyvainError("shutdown", `experiment ${JSON.stringify(spec.slug)}: the exporter shut down before it was ready`);
      const delivery: DeliveryHealth = { retryableFailure: undefined };
      const label = `experiment ${JSON.stringify(spec.slug)}`;
      const onLoss = (message: string): void => this.#onLoss(spec.slug, message);
      const outbox = new Outbox({
        ...this.#delivery,
        sink: observeSink(provisioned.sink, delivery, {
          delivered: () => this.#onDelivered(spec.slug),
          gaveUp: (error, items) => onLoss(`${label}: ${items} events not delivered: ${error.message}`),
        }),
        label,
        onWarning: onLoss,
        ...(journal === undefined ? {} : { journal }),
      });
      const entry: RegistryEntry = { slug: spec.slug, experimentId: provisioned.id, outbox, delivery };
      this.#ready.set(spec.slug, entry);
      this.#creationErrors.delete(spec.slug);
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
}
