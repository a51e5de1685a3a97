/**
 * The runs kept aside in a host's spool directory (`conflict-keeper.ts`): what `syvain-otel sync`
 * lists (dry run or not) with the command that delivers each, and what `sync --rename` replays.
 */
import { existsSync } from "node:fs";
import type { SyvainClient } from "../../client/client-types.ts";
import { openSpool, scanSpool, type LivenessOptions } from "../../delivery/spool/index.ts";
import { conflictsDirOf } from "../kept-run-hint.ts";
import { planLeftovers, type PlannedExperiment } from "./dry-run-plan.ts";
import { replaySpool, type ReplayOptions, type ReplayResult } from "./replay.ts";
import { renameTargets, type ContinuedRename } from "./rename-targets.ts";

/** Per kept run (slug, creation key): its events, read without moving anything. */
export async function listKeptRuns(hostDir: string): Promise<PlannedExperiment[]> {
  const dir = conflictsDirOf(hostDir);
  if (!existsSync(dir)) return [];
  const writers = (await scanSpool(dir)).writers.filter((w) => w.unackedBytes > 0);
  return (await planLeftovers(writers.map((w) => w.path))).experiments;
}

export interface RenamedRuns extends ReplayResult {
  /** Old slugs given to `--rename` that no kept run has. */
  unknown: string[];
  /** Runs that finished under the new slug an earlier rename made, not the one asked. */
  continued: ContinuedRename[];
}

/**
 * `sync --rename OLD=NEW`: delivers the kept runs of each OLD slug under NEW (each its own `create`,
 * its key kept in `renames.json` so an interrupted rename resumes into the same experiment); the
 * other kept runs, and a renamed one whose NEW slug is taken too, stay kept. `liveness`: as for the
 * host part (a part copied off another machine keeps that machine's LOCKs in `conflicts` too).
 */
export async function renameKeptRuns(
  hostDir: string,
  client: SyvainClient,
  renames: ReadonlyMap<string, string>,
  options: Omit<ReplayOptions, "keeper" | "rename" | "renamed">,
  liveness: LivenessOptions = {},
): Promise<RenamedRuns | undefined> {
  const dir = conflictsDirOf(hostDir);
  if (renames.size === 0 || !existsSync(dir)) return undefined;
  const targets = renameTargets(dir, renames);
  const seen = new Set<string>();
  const spool = await openSpool({ dir });
  try {
    await spool.adoptOrphans(liveness);
    const result = await replaySpool(spool, client, {
      ...options,
      rename: (slug, key) => {
        const target = targets.targetOf(slug, key);
        if (target !== undefined) seen.add(slug);
        return target;
      },
      renamed: (target, experimentId) => targets.confirm(target, experimentId),
    });
    return { ...result, unknown: [...renames.keys()].filter((slug) => !seen.has(slug)), continued: targets.continued };
  } finally {
    await spool.close();
  }
}
