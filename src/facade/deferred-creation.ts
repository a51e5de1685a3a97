/**
 * `collector.experiment()` online, with a spool, when Syvain cannot be reached to create the
 * experiment: a training loop must not die because Syvain is down when it starts, so the creation
 * is deferred, as the OTel exporters and the bridge already do (`exporter/otel/experiment-journals.ts`):
 *
 * - the creation itself is spooled (a record with the spec), then every event, named by slug
 *   (no server id yet), so if this process dies, the next one on the spool directory, or
 *   `syvain-otel sync`, creates the experiment and delivers them (`leftovers/replay.ts`);
 * - the outbox sends through a sink that first creates the experiment, retried like any delivery
 *   (backoff) until Syvain is back; then the creation record is acknowledged.
 *
 * A creation Syvain has not answered within `DEFER_CREATION_AFTER_MS` is deferred too (a hanging
 * Syvain held `experiment()` for every attempt's timeout): the deferred sink awaits that same
 * attempt, so nothing is created twice. The late creation keeps the run's policy:
 *
 * - `ifExists: "reuse"`: create, or add to the existing experiment (as `experiment()` would have).
 * - `ifExists: "error"`: a `create` with an `Idempotency-Key` unique to this `experiment()` call,
 *   spooled with the creation record: every retry and replay of our creation (by this process, the
 *   next one, `syvain-otel sync`) gets our own 201 replayed even if an answer was lost, and a slug an
 *   earlier run holds answers `conflict`. That late conflict is loud: one warning, every batch of
 *   the run fails with it (`flush()` not ok, `flushOrRaise()` raises, `close()` not ok), and nothing
 *   is added to the other run's experiment; the run's records stay in the spool, unacknowledged:
 *   the next replay moves them aside (`leftovers/conflict-keeper.ts`), and `syvain-otel sync
 *   --rename` delivers them under a new slug.
 *
 * Only a retryable failure (network, timeout, 5xx, 429, no answer yet) with a working spool defers:
 * a refusal (bad key, bad folder, conflict) answered in time is still raised at once; one that comes
 * only with the late creation keeps the events on disk (`keepUnlessRefused`).
 */
import type { Experiment as ExperimentRecord } from "../api/contract.ts";
import { SyvainError } from "../api/errors.ts";
import type { DeliverySink } from "../delivery/delivery-types.ts";
import type { Spool } from "../delivery/spool/index.ts";
import type { OutboxJournal } from "../delivery/journal/outbox-journal.ts";
import { deferredJournalRules, type DeferredJournalRules } from "../destinations/keep-unless-refused.ts";
import { localRecord, slugExistsMessage, type CreationPolicy, type Destination, type ExperimentSpec, type ProvisionedExperiment } from "../destinations/destination.ts";
import type { SpoolSession } from "../destinations/spool-session.ts";
import type { SyvainClient } from "../client/client-types.ts";
import { creatingSink } from "../exporter/otel/experiment-journals.ts";
import { renameCommand } from "../destinations/kept-run-hint.ts";

export interface DeferredExperiment {
  /** The experiment as this process describes it; `id` is `pending:<slug>` until it exists. */
  record: ExperimentRecord;
  sink: DeliverySink;
  journal: OutboxJournal;
  /** Resolves with the server's id once the experiment is created (stays pending otherwise). */
  created: Promise<string>;
  /** What its journals keep and discard (the OTel view's journals follow them too). */
  rules: DeferredJournalRules;
}

export interface DeferralContext {
  session: SpoolSession;
  client: SyvainClient;
  destination: Destination;
  /** Aborted when the collector's close deadline passes: a late creation never holds an exit. */
  abandon: AbortSignal;
}

/** Whether a failed creation can wait for Syvain: a retryable failure, and a spool that writes. */
export function canDefer(error: unknown, spool: Spool): error is SyvainError {
  return error instanceof SyvainError && error.retryable && spool.stats().state === "active";
}

/** The creation `experiment()` started, as the deferral continues it. */
export interface StartedCreation {
  spec: ExperimentSpec;
  policy: Extract<CreationPolicy, "create" | "create-or-reuse">;
  /** `create`: the key unique to this `experiment()` call. */
  key: string | undefined;
  /** The attempt still waiting for Syvain's answer (deferred before it came), which the sink awaits. */
  running: Promise<ProvisionedExperiment> | undefined;
  /** How many of the experiment's events are queued so far (for the warning on a slug taken late). */
  queued: () => number;
}

/** The experiment whose creation waits for Syvain; warns once (a `SyvainSpoolWarning`). */
export async function deferCreation(context: DeferralContext, creation: StartedCreation, error: SyvainError): Promise<DeferredExperiment> {
  const { session, client, destination, abandon } = context;
  const { spec, policy, key } = creation;
  const rules = deferredJournalRules(key);
  const spooled = { policy, ...(key === undefined ? {} : { key }) };
  const { journal, created: creationAcked } = await session.experimentJournal(client, spec, null, rules.keepFailed, spooled);
  let resolveCreated!: (id: string) => void;
  const created = new Promise<string>((resolve) => (resolveCreated = resolve));
  let running = creation.running;
  const provision = (s: ExperimentSpec, signal: AbortSignal): Promise<ProvisionedExperiment> => {
    const attempt = running ?? destination.provision(s, policy, signal, key);
    running = undefined;
    return attempt;
  };
  const onCreated = (provisioned: ProvisionedExperiment): void => {
    creationAcked?.();
    resolveCreated(provisioned.id);
  };
  // Every record of the run stays in the spool: a later process or `sync` asks Syvain once more (same
  // key: `conflict` again) and moves the run aside, for `sync --rename`.
  const onSlugTaken = (refusal: SyvainError): void => session.warn(slugTakenWarning(spec.slug, refusal, creation.queued(), session.dir));
  const sink = creatingSink(spec, provision, abandon, onCreated, policy === "create" ? onSlugTaken : undefined);
  const record = { ...localRecord(spec, Date.now()), id: `pending:${spec.slug}` };
  session.warn(
    `Syvain at ${client.host} cannot be reached (${error.message}): experiment ${JSON.stringify(spec.slug)} will be created when it is back. ` +
      `Until then its events are kept in the spool ${session.dir} and delivered by this process, or, if it ends first, by the next one on that directory or \`syvain-otel sync\`. ` +
      `See collector.stats().spool and experiment.flush().`,
  );
  return { record, sink, journal, created, rules };
}

function slugTakenWarning(slug: string, refusal: SyvainError, queued: number, dir: string): string {
  const existing = "experimentId" in refusal && typeof refusal.experimentId === "string" ? refusal.experimentId : undefined;
  return (
    `experiment ${JSON.stringify(slug)} could not be created when Syvain answered: ${slugExistsMessage(slug, existing)}. ` +
    `This run's ${queued} event(s) so far, and any logged after, are not sent: they are kept in the spool ${dir}, ` +
    `never added to the existing experiment, which belongs to another run (ifExists "error"). experiment.flush(), flushOrRaise() and close() report them as failed. ` +
    `Once this process has ended, \`syvain-otel sync --dry-run\` lists them and ${renameCommand(slug, dir)} delivers them under a new slug.`
  );
}
