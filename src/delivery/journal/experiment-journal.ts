/**
 * The journal of one experiment's outbox, for owners whose experiments may not exist yet when
 * their events arrive (the bridge, the OTel exporters with a spool): with no server id, the
 * creation itself is spooled first — so a later process (or `syvain-otel sync`) can create the
 * experiment and deliver the events if this one dies — and acknowledged once the experiment exists.
 */
import type { ExperimentSpec } from "../../mapping/experiment.ts";
import type { Spool } from "../spool/index.ts";
import { SpoolJournal, type KeepFailed, type OutboxJournal } from "./outbox-journal.ts";
import { RecordType, type SpooledCreationPolicy } from "./spool-records.ts";

export interface ExperimentJournal {
  journal: OutboxJournal;
  /** The experiment now exists (a deferred creation succeeded): its creation record can go. */
  created?: () => void;
}

/**
 * How a deferred creation is spooled when it is not the exporters' get-or-create (the facade's
 * `collector.experiment()`): its policy, and for `create` the key unique to that creation, which
 * every record of the experiment carries (`k`) and a replay sends again.
 */
export interface SpooledCreation {
  policy: SpooledCreationPolicy;
  key?: string;
}

/** `keepFailed`: events Syvain refuses for good stay on disk (a bridge answered 200 for them), all or as it decides. */
export function experimentJournal(spool: Spool, spec: ExperimentSpec, experimentId: string | null, keepFailed: KeepFailed = false, creation?: SpooledCreation): ExperimentJournal {
  const key = creation?.key;
  const journal = new SpoolJournal({
    spool,
    slug: spec.slug,
    experimentId,
    keepFailed,
    ...(key === undefined ? {} : { creationKey: key }),
  });
  if (experimentId !== null) return { journal };
  // Without `creation`: the exporters' get-or-create, written as older versions did (no policy).
  const policy = creation === undefined ? {} : { policy: creation.policy, ...(key === undefined ? {} : { key, k: key }) };
  const creationRef = spool.append(RecordType.create, { x: spec.slug, i: null, spec, reuse: creation?.policy !== "create", ...policy });
  return {
    journal,
    created: () => {
      if (creationRef !== undefined) spool.ack(creationRef);
    },
  };
}
