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
 * The late creation is get-or-create, as the replay's is: `experiment()` has returned, so a slug
 * that already exists can no longer be reported as a conflict (and the first attempt may have
 * created it before its answer was lost); the events are added to that experiment.
 * Only a retryable failure (network, timeout, 5xx, 429) with a working spool defers: a refusal
 * (bad key, bad folder, conflict) is still raised at once; one that comes only with the late
 * creation keeps the events on disk (`keepUnlessRefused`).
 */
import type { Experiment as ExperimentRecord } from "../api/contract.ts";
import { SyvainError } from "../api/errors.ts";
import type { DeliverySink } from "../delivery/delivery-types.ts";
import type { Spool } from "../delivery/spool/index.ts";
import type { OutboxJournal } from "../delivery/journal/outbox-journal.ts";
import { keepUnlessRefused } from "../destinations/keep-unless-refused.ts";
import { localRecord, type Destination, type ExperimentSpec } from "../destinations/destination.ts";
import type { SpoolSession } from "../destinations/spool-session.ts";
import type { SyvainClient } from "../client/client-types.ts";
import { creatingSink } from "../exporter/otel/experiment-journals.ts";

export interface DeferredExperiment {
  /** The experiment as this process describes it; `id` is `pending:<slug>` until it exists. */
  record: ExperimentRecord;
  sink: DeliverySink;
  journal: OutboxJournal;
  /** Resolves with the server's id once the experiment is created (stays pending otherwise). */
  created: Promise<string>;
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

/** The experiment whose creation waits for Syvain; warns once (a `SyvainSpoolWarning`). */
export async function deferCreation(context: DeferralContext, spec: ExperimentSpec, error: SyvainError): Promise<DeferredExperiment> {
  const { session, client, destination, abandon } = context;
  const { journal, created: creationAcked } = await session.experimentJournal(client, spec, null, keepUnlessRefused);
  let resolveCreated!: (id: string) => void;
  const created = new Promise<string>((resolve) => (resolveCreated = resolve));
  const sink = creatingSink(spec, (s, signal) => destination.provision(s, "get-or-create", signal), abandon, (provisioned) => {
    creationAcked?.();
    resolveCreated(provisioned.id);
  });
  const record = { ...localRecord(spec, Date.now()), id: `pending:${spec.slug}` };
  session.warn(
    `Syvain at ${client.host} cannot be reached (${error.message}): experiment ${JSON.stringify(spec.slug)} will be created when it is back. ` +
      `Until then its events are kept in the spool ${session.dir} and delivered by this process, or, if it ends first, by the next one on that directory or \`syvain-otel sync\`. ` +
      `See collector.stats().spool and experiment.flush().`,
  );
  return { record, sink, journal, created };
}
