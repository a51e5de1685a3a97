/**
 * What a replay of dead writers' directories would send, per experiment, without sending or moving
 * anything (`syvain-otel sync --dry-run`). It counts as `replay.ts` sends: records grouped by
 * experiment (slug and server id), one status update per experiment from its last status record (a
 * final one is applied; a run left `running` would be marked `failed`, with a recovery note, unless
 * Syvain already holds a final status: the dry run cannot ask).
 */
import type { ExperimentStatus } from "../../api/contract.ts";
import { decodeRecord, isFinalStatus, RecordType } from "../../delivery/journal/spool-records.ts";
import { peekUnacked, type PeekProblems } from "../../delivery/spool/peek.ts";

export interface PlannedExperiment {
  slug: string;
  /** `null`: not created yet (offline, or its creation was deferred): the replay gets or creates it. */
  id: string | null;
  metrics: number;
  annotations: number;
  /** The status the replay would apply (`failed` for a run that died `running`), if any. */
  status: ExperimentStatus | undefined;
  /** The run died `running`: it would be marked `failed`, with a note on what was recovered. */
  crashed: boolean;
}

export interface LeftoversPlan {
  experiments: PlannedExperiment[];
  /** Records this version cannot decode (left on disk by a replay). */
  skipped: number;
  problems: PeekProblems;
}

export async function planLeftovers(writerDirs: readonly string[]): Promise<LeftoversPlan> {
  const byKey = new Map<string, PlannedExperiment & { last: ExperimentStatus | undefined }>();
  const problems: PeekProblems = { unreadableFiles: 0, corruptRecords: 0 };
  let skipped = 0;
  for (const dir of writerDirs) {
    for await (const record of peekUnacked(dir, problems)) {
      const decoded = decodeRecord(record.type, record.payload);
      if (decoded === undefined) {
        skipped++;
        continue;
      }
      // As the replay groups them: a deferred creation's key (`k`) keeps two runs of one slug apart.
      const key = `${decoded.body.x}\0${decoded.body.i ?? ""}\0${decoded.body.k ?? ""}`;
      let planned = byKey.get(key);
      if (planned === undefined) byKey.set(key, (planned = { slug: decoded.body.x, id: decoded.body.i, metrics: 0, annotations: 0, status: undefined, crashed: false, last: undefined }));
      if (decoded.type === RecordType.metric) planned.metrics++;
      else if (decoded.type === RecordType.annotation) planned.annotations++;
      else if (decoded.type === RecordType.status) planned.last = decoded.body.s;
    }
  }
  const experiments = [...byKey.values()].map(({ last, ...planned }) => {
    if (last === undefined) return planned;
    return isFinalStatus(last) ? { ...planned, status: last } : { ...planned, status: "failed" as const, crashed: true };
  });
  return { experiments, skipped, problems };
}
