/**
 * How the OTel exporters write their outboxes to a disk spool when their owner gives them one (the
 * bridge, and the exporters' own `spoolDir`). Two things change with a spool:
 *
 * - every outbox gets a journal: each event is appended to the spool before it counts as queued,
 *   and acknowledged when its batch settles (see `delivery/journal/outbox-journal.ts`);
 * - an experiment whose creation fails only because Syvain is unavailable does not fail the
 *   export: its events are journaled without a server id (the creation itself is journaled too)
 *   and queued behind a sink that creates the experiment on its first delivery, retried like any
 *   delivery until Syvain is back. Had the process died meanwhile, a later one replays those
 *   records and creates the experiment then (`destinations/leftovers/replay.ts`).
 */
import type { ExperimentJournal } from "../../delivery/journal/experiment-journal.ts";
import type { DeliverySink } from "../../delivery/delivery-types.ts";
import { isSlugTaken, type ExperimentSpec, type ProvisionedExperiment } from "../../destinations/destination.ts";
import type { SyvainError } from "../../api/errors.ts";
import type { Provisioner } from "./destination.ts";

export type { ExperimentJournal } from "../../delivery/journal/experiment-journal.ts";

export interface ExperimentJournals {
  /** The journal of one experiment's outbox; `experimentId` `null`: not created yet (deferred). */
  journal(spec: ExperimentSpec, experimentId: string | null): ExperimentJournal | Promise<ExperimentJournal>;
  /**
   * A creation Syvain has not answered after this long is deferred as if Syvain were unavailable,
   * and finishes in the background: a Syvain that hangs (a black-holed network) holds the first
   * export of an experiment for every attempt's timeout otherwise (4 × 10 s), longer than the
   * bridge may take to answer. @default 2000
   */
  readonly deferCreationAfterMs?: number;
}

/**
 * A sink that first gets or creates its experiment (once; a failed attempt is forgotten so the
 * outbox's retry tries again), then delivers to the experiment's own sink. Creation errors keep
 * their `retryable` flag, so the outbox backs off while Syvain is down, as for any batch.
 * With `onSlugTaken` (a `create`, facade): a slug another run holds is final, called once and
 * remembered: every batch then fails with that `conflict`, none asks Syvain again.
 */
export function creatingSink(
  spec: ExperimentSpec,
  provision: Provisioner,
  abandon: AbortSignal,
  onCreated: (experiment: ProvisionedExperiment) => void,
  onSlugTaken?: (error: SyvainError) => void,
): DeliverySink {
  let creation: Promise<ProvisionedExperiment> | undefined;
  let created: ProvisionedExperiment | undefined;
  const experiment = (): Promise<ProvisionedExperiment> => {
    creation ??= provision(spec, abandon).then(
      (provisioned) => {
        created = provisioned;
        onCreated(provisioned);
        return provisioned;
      },
      (error: unknown) => {
        if (onSlugTaken !== undefined && isSlugTaken(error)) onSlugTaken(error);
        else creation = undefined;
        throw error;
      },
    );
    return creation;
  };
  return {
    deliver: async (batch, signal) => (await experiment()).sink.deliver(batch, signal),
    // Closing never waits for a creation Syvain has not answered: the owner's close has a deadline
    // (its events stay in the spool, or are reported), and that attempt may hang for every retry
    // (an outside review: experiment.close() took 4 x `timeout`). Created later, its sink is closed then.
    close: async () => {
      if (created !== undefined) return created.sink.close();
      void creation?.then((provisioned) => provisioned.sink.close()).catch(() => undefined);
    },
  };
}
