/**
 * `deliverLeftovers()`: what `syvain-otel sync` (and anyone with a spool directory and a client)
 * calls to send what dead processes left behind: adopt every dead writer directory, replay it,
 * acknowledge what Syvain stored, mark runs that died `running` as `failed`. Live processes'
 * directories are never touched, nor folders whose LOCK names another machine unless the caller
 * says their processes have ended (`otherMachines`). A run whose `create` finds its slug taken by
 * another run is kept aside (`conflict-keeper.ts`) and listed (`keptAside`); `renames` delivers kept
 * runs under a new slug.
 * `dryRun` only reads: which writers are dead, how many bytes, and the runs kept aside.
 */
import { existsSync } from "node:fs";
import type { SyvainClient } from "../../client/client-types.ts";
import { openSpool, scanSpool, type AdoptResult, type LivenessOptions, type ScannedWriter, type SpoolError } from "../../delivery/spool/index.ts";
import { locateHostPart, type GivenSpoolPath } from "./host-part.ts";
import { otherHostLeftovers, partLeftovers, type OtherHostLeftovers } from "./other-hosts.ts";
import { otherMachineFolders, type MachineFolders } from "./other-machines.ts";
import { replaySpool, type ReplayBytes, type ReplayResult } from "./replay.ts";
import { addCounts, zeroCounts, type LeftoverCounts } from "./replay-counts.ts";
import { planLeftovers, type PlannedExperiment } from "./dry-run-plan.ts";
import { ConflictKeeper } from "./conflict-keeper.ts";
import { listKeptRuns, renameKeptRuns } from "./kept-runs.ts";
import type { ContinuedRename } from "./rename-targets.ts";
import { conflictsDirOf } from "../kept-run-hint.ts";

export type { LeftoverCounts } from "./replay-counts.ts";
export type { KeptRun, ReplayResult } from "./replay.ts";
export type { OtherHostLeftovers } from "./other-hosts.ts";
export type { MachineFolders } from "./other-machines.ts";
export type { PlannedExperiment } from "./dry-run-plan.ts";

export interface DeliverLeftoversOptions {
  /** The spool directory as configured (`spoolDir`, `SYVAIN_SPOOL_DIR`; the client's host picks its part), or one host's part (wherever it is, if its FORMAT names its host). */
  spoolDir: string;
  client: SyvainClient;
  onProgress?: (counts: LeftoverCounts, bytes: ReplayBytes) => void;
  /** Report what would be sent (dead writers, bytes, per experiment the events and status) without adopting or sending anything. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Attempts per batch on retryable failures before giving up (the rest stays on disk). @default 5 */
  maxAttempts?: number;
  /** Spool problems (corrupt files moved aside, unsupported versions). @default ignored */
  onSpoolError?: (error: SpoolError) => void;
  /**
   * Old slug → new slug (`sync --rename`): the runs kept aside under the old slug (their slug
   * belongs to another run) are delivered under the new one, after the replay. @default none
   */
  renames?: ReadonlyMap<string, string>;
  /**
   * `finished` (`sync --from-other-machine`): folders whose LOCK names another machine are taken as
   * dead processes' and delivered, once, by the same adoption. Only for processes known to have
   * ended (a part copied off a preempted node): a live writer there would go on writing into a
   * folder being delivered. Folders of this machine are judged as always. @default "maybe-running": named, never sent
   */
  otherMachines?: LivenessOptions["otherMachines"];
}

export interface LeftoversResult extends ReplayResult {
  /** Bytes on disk of the dead writers found (dry run) or adopted. */
  bytes: number;
  dryRun: boolean;
  /** Other hosts' parts holding leftovers (never sent to this host): a spool directory's, or the part given if it is another host's. */
  otherHosts: OtherHostLeftovers[];
  /** Dry run: per experiment, what the replay would send. */
  planned?: PlannedExperiment[];
  /**
   * Folders of processes still running on this machine with records: never sent by a replay. An
   * online owner delivers them; `offline` counts those whose LOCK says the owner is offline (it sends nothing).
   */
  running: { writers: number; bytes: number; offline: { writers: number; bytes: number } };
  /** Folders with records whose LOCK names another machine, per machine: skipped, or (`ended`) taken as ended and replayed. */
  otherMachines: MachineFolders[];
  /**
   * A replay that stopped early: segment bytes of the adopted folders no ack covers, i.e. what stays
   * on disk in all (`remaining` counts only the records read before the stop). 0 otherwise.
   */
  leftBytes: number;
  /** The runs kept aside (slug taken by another run) after this sync, renamed ones delivered excluded: not sent. */
  keptAside: PlannedExperiment[];
  /** Where they are kept: the `conflicts` folder of this host's spool directory. */
  keptDir: string;
  /** Old slugs of `renames` that no kept run has. */
  unknownRenames: string[];
  /** Renamed runs that finished under the new slug an earlier rename made, not the one asked. */
  continuedRenames: ContinuedRename[];
  /**
   * Dead processes' folders (in `dir`) this sync could not take over: no room for its own writer
   * folder, or to move theirs into it (a full disk). Left where they are, not sent; absent when none.
   */
  notAdopted?: { dir: string; names: string[]; bytes: number; cause: SpoolError };
}

export async function deliverLeftovers(options: DeliverLeftoversOptions): Promise<LeftoversResult> {
  // Another host's part (given itself, or beside this host's in the spool directory) is named with
  // that host (`otherHosts`), never sent here.
  const given = await locateHostPart(options.spoolDir, options.client.host);
  const { dir } = given;
  const liveness: LivenessOptions = options.otherMachines === undefined ? {} : { otherMachines: options.otherMachines };
  const otherHosts = await namedElsewhere(given, options.client.host, liveness);
  const dryRun = options.dryRun === true;
  // Nothing was ever spooled for this host: nothing to send, and no folder to create for it.
  const unknownRenames = [...(options.renames?.keys() ?? [])];
  const keptDir = conflictsDirOf(dir);
  if (given.foreignPart !== undefined || !existsSync(dir)) {
    return { ...zeroCounts(), bytes: 0, stoppedBy: undefined, keptRuns: [], dryRun, otherHosts, running: { writers: 0, bytes: 0, offline: { writers: 0, bytes: 0 } }, otherMachines: [], leftBytes: 0, keptAside: [], keptDir, unknownRenames, continuedRenames: [] };
  }
  // Before this process opens its own writer folder: the others that are not dead hold data a replay must leave.
  const scan = await scanSpool(dir, liveness);
  const running = heldByOthers(scan.writers);
  const otherMachines = otherMachineFolders(scan.writers);
  if (dryRun) {
    const dead = scan.writers.filter((w) => w.liveness === "dead");
    const plan = await planLeftovers(dead.map((w) => w.path));
    const counts = { ...zeroCounts(), adoptedDirs: dead.length, experiments: plan.experiments.length, skipped: plan.skipped };
    const keptAside = await listKeptRuns(dir);
    return { ...counts, bytes: dead.reduce((n, w) => n + w.bytes, 0), stoppedBy: undefined, keptRuns: [], dryRun, otherHosts, planned: plan.experiments, running, otherMachines, leftBytes: 0, keptAside, keptDir, unknownRenames: [], continuedRenames: [] };
  }
  const common = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  };
  const spool = await openSpool({ dir, host: options.client.host, ...(options.onSpoolError ? { onError: options.onSpoolError } : {}) });
  let result: LeftoversResult;
  try {
    const adopted = await spool.adoptOrphans(liveness);
    const bytes = spool.stats().bytesOnDisk;
    const replayed = await replaySpool(spool, options.client, { ...common, ...(options.onProgress ? { onProgress: options.onProgress } : {}), keeper: new ConflictKeeper(dir) });
    result = { ...replayed, adoptedDirs: adopted.adopted.length, bytes, dryRun: false, otherHosts, running, otherMachines, leftBytes: 0, keptAside: [], keptDir, unknownRenames: [], continuedRenames: [], ...notTakenOver(dir, adopted, scan.writers) };
  } finally {
    await spool.close();
  }
  // Then the kept runs renamed (a run kept by the replay just now included), with the progress counting on.
  // Not on a disk that had no room for this sync's own folder: the renames' spool would have none either.
  if (result.stoppedBy === undefined && result.notAdopted === undefined && options.renames !== undefined) {
    const before = result;
    const onProgress = options.onProgress;
    const renamed = await renameKeptRuns(
      dir,
      options.client,
      options.renames,
      { ...common, ...(onProgress ? { onProgress: (counts, bytes) => onProgress(addCounts(before, counts), bytes) } : {}) },
      liveness,
    );
    if (renamed === undefined) result.unknownRenames = unknownRenames; // no run was ever kept aside here
    else {
      const { unknown, continued, keptRuns, stoppedBy, ...counts } = renamed;
      result = { ...result, ...addCounts(result, counts), adoptedDirs: result.adoptedDirs, keptRuns: [...result.keptRuns, ...keptRuns], stoppedBy, unknownRenames: unknown, continuedRenames: continued };
    }
  }
  result.keptAside = await listKeptRuns(dir);
  // Stopped early: what stays in all, read from the acks just written. The adopted folders now sit
  // inside this spool's own writer folder, which kept them (it is removed only when nothing is left).
  if (result.stoppedBy !== undefined) result.leftBytes = (await scanSpool(dir)).writers.find((w) => w.name === spool.name)?.unackedBytes ?? 0;
  return result;
}

/** Other hosts' parts holding leftovers: the part given, if it is another's; else the spool directory's other parts. */
async function namedElsewhere({ dir, spoolDir, foreignPart }: GivenSpoolPath, host: string, liveness: LivenessOptions): Promise<OtherHostLeftovers[]> {
  if (foreignPart !== undefined) {
    const part = await partLeftovers(foreignPart, host, liveness);
    return part === undefined ? [] : [part];
  }
  return spoolDir !== undefined && existsSync(spoolDir) ? otherHostLeftovers(spoolDir, dir, host, liveness) : [];
}

/** The dead writers' folders the spool could not take over, with their bytes as the scan found them. */
function notTakenOver(dir: string, { notAdopted }: AdoptResult, writers: readonly ScannedWriter[]): Pick<LeftoversResult, "notAdopted"> {
  if (notAdopted === undefined) return {};
  const bytes = writers.filter((w) => notAdopted.names.includes(w.name)).reduce((n, w) => n + w.bytes, 0);
  return { notAdopted: { dir, names: notAdopted.names, bytes, cause: notAdopted.cause } };
}

/** Writer folders of this machine whose process is not known dead and that hold records not yet acknowledged. */
function heldByOthers(writers: readonly ScannedWriter[]): LeftoversResult["running"] {
  const held = writers.filter((w) => w.liveness !== "dead" && w.otherMachine === undefined && w.unackedBytes > 0);
  const offline = held.filter((w) => w.owner?.mode === "offline");
  const bytes = (ws: readonly ScannedWriter[]): number => ws.reduce((n, w) => n + w.unackedBytes, 0);
  return { writers: held.length, bytes: bytes(held), offline: { writers: offline.length, bytes: bytes(offline) } };
}
