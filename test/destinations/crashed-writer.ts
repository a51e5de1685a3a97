/** A dead writer's spool folder, as a crashed process leaves it: its experiment's records, unacknowledged. */
import { openSpool } from "../../src/delivery/spool/index.ts";
import { SpoolJournal } from "../../src/delivery/journal/outbox-journal.ts";
import { markDead } from "../delivery/spool/spool-helpers.ts";

export interface CrashedRun {
  slug: string;
  experimentId: string;
  /** Steps `first .. first + metrics - 1`, one metric each. */
  first?: number;
  metrics: number;
  /** The run was started (an unacknowledged `running` status record) before the points. @default true */
  running?: boolean;
  segmentBytes?: number;
}

/** Writes the run's records with a spool of its own on `dir`, closes it without acking, marks it dead; returns its folder. */
export async function crashedWriter(dir: string, run: CrashedRun): Promise<string> {
  const dead = await openSpool({ dir, syncIntervalMs: 0, ...(run.segmentBytes === undefined ? {} : { segmentBytes: run.segmentBytes }) });
  const journal = new SpoolJournal({ spool: dead, slug: run.slug, experimentId: run.experimentId });
  if (run.running ?? true) journal.status("running");
  const first = run.first ?? 0;
  for (let step = first; step < first + run.metrics; step++) {
    journal.metric({ client_event_id: `p-${step}`, name: "loss", value: step, step, timestamp: 1_765_000_000_000 + step, metadata: {} });
  }
  await dead.close();
  markDead(dead.dir);
  return dead.dir;
}
