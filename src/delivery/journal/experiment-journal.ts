/**
 * The journal of one experiment's outbox, for owners whose experiments may not exist yet when
 * their events arrive (the bridge, the OTel exporters with a spool): with no server id, the
 * creation itself is spooled first — so a later process (or `syvain-otel sync`) can create the
 * experiment and deliver the events if this one dies — and acknowledged once the experiment exists.
 */
import type { ExperimentSpec } from "../../mapping/experiment.ts";
import type { Spool } from "../spool/index.ts";
import { SpoolJournal, type KeepFailed, type OutboxJournal } from "./outbox-journal.ts";
import { RecordType } from "./spool-records.ts";

export interface ExperimentJournal {
  journal: OutboxJournal;
  /** The experiment now exists (a deferred creation succeeded): its creation record can go. */
  created?: () => void;
}

/** `keepFailed`: events Syvain refuses for good stay on disk (a bridge answered 200 for them), all or as it decides. */
export function experimentJournal(spool: Spool, spec: ExperimentSpec, experimentId: string | null, keepFailed: KeepFailed = false): ExperimentJournal {
  const journal = new SpoolJournal({ spool, slug: spec.slug, experimentId, keepFailed });
  if (experimentId !== null) return { journal };
  const creation = spool.append(RecordType.create, { x: spec.slug, i: null, spec, reuse: true });
  return {
    journal,
    created: () => {
      if (creation !== undefined) spool.ack(creation);
    },
  };
}
