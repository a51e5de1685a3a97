/**
 * The spool half of `syvain-otel sync`: `deliverLeftovers` (src/destinations/leftovers/) replays
 * dead processes' spool directories; this adapter words its counts for the command. Loaded lazily,
 * so a JSONL-only sync does not pay for the spool engine's imports.
 */
import type { KeptRun, LeftoversResult, PlannedExperiment } from "../../destinations/leftovers/deliver-leftovers.ts";
import type { SpoolError } from "../../delivery/spool/index.ts";
import { skippedMachines } from "../../destinations/leftovers/other-machines.ts";
import type { ContinuedRename } from "../../destinations/leftovers/rename-targets.ts";
import { renameCommand } from "../../destinations/kept-run-hint.ts";
import type { DeliverLeftovers, SyncResult } from "./sync-source.ts";
import { otherMachineLines, otherPartLines, runningLines } from "./unsent-lines.ts";

export async function loadDeliverLeftovers(): Promise<DeliverLeftovers> {
  const { deliverLeftovers } = await import("../../destinations/leftovers/deliver-leftovers.ts");
  return async (options) => {
    // What the engine reports as it reads (a damaged region skipped, a failed write): said by the
    // command, where a Collector warns; without it sync was silent about points it could not read.
    const spoolErrors: SpoolError[] = [];
    const result = await deliverLeftovers({
      onSpoolError: (error) => void spoolErrors.push(error),
      spoolDir: options.spoolDir,
      client: options.client,
      ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.renames === undefined ? {} : { renames: options.renames }),
      ...(options.fromOtherMachine === true ? { otherMachines: "finished" as const } : {}),
      ...(options.onProgress === undefined
        ? {}
        : {
            // The event total is unknown until the last segment is read: progress goes by bytes read.
            onProgress: (counts, bytes) => options.onProgress?.({ sentEvents: counts.metrics + counts.annotations, bytes, experiments: counts.experiments }),
          }),
    });
    return syncResultOf(result, options.client.host, options.spoolDir, options.signal?.aborted === true, spoolErrors);
  };
}

/** Counts → the command's result: anything refused for good or left on disk makes it exit 1. `interrupted`: by a signal. */
export function syncResultOf(result: LeftoversResult, host: string, spoolDir: string, interrupted = false, spoolErrors: readonly SpoolError[] = []): SyncResult {
  // Each crashed run got one recovery note: an annotation Syvain stored like the others, so it is counted.
  const annotations = result.annotations + result.crashedRuns;
  const delivered = result.metrics + annotations;
  const elsewhere = result.otherHosts.flatMap((other) => otherPartLines(other, host));
  const running = [...runningLines(result.running), ...otherMachineLines(result.otherMachines, spoolDir, host)];
  // Not a running process here (exit 0): nothing on this machine will ever send them unless told to (exit 1).
  const otherMachinesSkipped = skippedMachines(result.otherMachines).reduce((n, f) => n + f.writers, 0);
  const kept = result.keptAside.map((run) => keptAsideLine(run, result.keptDir, spoolDir));
  if (result.dryRun) {
    const planned = result.planned ?? [];
    const perExperiment = planned.map((p) => plannedLine(p, spoolDir));
    if (result.skipped > 0) perExperiment.push(`${result.skipped} record(s) this version cannot read would stay on disk`);
    perExperiment.push(...kept);
    return {
      experiments: planned.length,
      events: planned.reduce((n, p) => n + p.metrics + p.annotations, 0),
      delivered: 0,
      failed: 0,
      details: [`${result.adoptedDirs} spool folder(s) of processes no longer running, ${result.bytes} bytes, would be replayed to ${host}`, ...perExperiment, ...running, ...elsewhere],
      runningSkipped: result.running.writers,
      otherMachinesSkipped,
    };
  }
  const details = [
    `replayed ${result.adoptedDirs} spool folder(s): ${result.experiments} experiment(s), ${result.metrics} metrics and ${annotations} annotations delivered ` +
      `(${result.crashedRuns > 0 ? `${result.crashedRuns} of them recovery note(s), ` : ""}${result.duplicates} already stored), ${result.statusUpdates} status update(s), ${result.crashedRuns} crashed run(s) marked failed`,
  ];
  if (result.failed > 0) details.push(`${result.failed} event(s) refused by Syvain for good`);
  details.push(...result.keptRuns.map(keptNowLine), ...result.unknownRenames.map(unknownRenameLine), ...result.continuedRenames.map(continuedRenameLine), ...kept);
  if (result.skipped > 0) details.push(`${result.skipped} record(s) this version cannot read, left on disk`);
  if (result.remaining > 0 || result.leftBytes > 0) details.push(leftLine(result, interrupted));
  if (result.notAdopted !== undefined) details.push(notAdoptedLine(result.notAdopted));
  // Damaged regions: their records cannot be read, by this sync or any other, so they count as not delivered.
  const damaged = spoolErrors.filter((error) => error.code === "bad_record");
  details.push(...damaged.map((error) => `${error.message}: the records in them are lost`), ...spoolErrors.filter((error) => error.code !== "bad_record").map((error) => error.message));
  details.push(...running, ...elsewhere);
  return {
    experiments: result.experiments,
    events: delivered + result.failed + result.remaining,
    delivered,
    failed: result.failed + result.remaining + result.unknownRenames.length + (result.notAdopted?.names.length ?? 0) + damaged.length,
    details,
    leftElsewhere: elsewhere.length > 0,
    runningSkipped: result.running.writers,
    otherMachinesSkipped,
    keptRuns: result.keptAside.length,
  };
}

/** A run this sync found another run's slug for: not sent, so it does not end up in that run's experiment. */
function keptNowLine(run: KeptRun): string {
  const renamed = run.renamedTo === undefined ? "" : ` (renamed to ${JSON.stringify(run.renamedTo)})`;
  return `${run.slug}${renamed}: ${run.events} event(s) not sent: ${run.reason.message} (the run asked for a new experiment, ifExists "error"; adding them would mix two runs)`;
}

/** A run kept aside (this sync or an earlier one): what it holds, and the command that delivers it. */
function keptAsideLine(run: PlannedExperiment, keptDir: string, spoolDir: string): string {
  const status = run.crashed ? ", it died running" : run.status === undefined ? "" : `, status ${run.status}`;
  return (
    `${run.slug}: ${run.metrics} metric point(s), ${run.annotations} annotation(s)${status}: kept in ${keptDir}, not sent: ` +
    `another run holds the slug; to deliver them under a new slug: ${renameCommand(run.slug, spoolDir)}`
  );
}

function continuedRenameLine({ slug, asked, into }: ContinuedRename): string {
  return `--rename ${slug}=${asked}: an earlier sync renamed this run to ${JSON.stringify(into)} and created that experiment; the run was finished there, not under ${JSON.stringify(asked)} (a run is never split over two experiments)`;
}

function unknownRenameLine(slug: string): string {
  return `--rename ${slug}=...: no run kept aside has the slug ${JSON.stringify(slug)} (see syvain-otel sync --dry-run)`;
}


/**
 * What a stopped replay leaves: the records it had read and not delivered, and the bytes in all
 * (records not read yet included). An interrupt aborts requests in flight, which the client words as
 * a deadline: the reason is then the interrupt.
 */
function leftLine(result: LeftoversResult, interrupted: boolean): string {
  const why = interrupted ? "interrupted" : `stopped: ${result.stoppedBy?.message ?? "delivery stopped"}`;
  return `${why}: ${result.remaining} record(s) read and not delivered, ${result.leftBytes} bytes of records in all not acknowledged, stay on disk: run sync again`;
}

/** Dead processes' folders this sync could not take over (a full disk): not sent, and why. */
function notAdoptedLine({ dir, names, bytes, cause }: NonNullable<LeftoversResult["notAdopted"]>): string {
  return `${dir}: ${names.length} spool folder(s) of processes no longer running (${bytes} bytes) not delivered: this sync could not take them over (${names.join(", ")}): ${cause.message}; make room on that disk, then run sync again`;
}

/** One experiment of a dry run: what the replay would send for it. */
function plannedLine(p: PlannedExperiment, dir: string): string {
  const status = p.status === undefined ? "no status update" : p.crashed ? "1 status update (failed: the run died running; plus a note on what was recovered, unless Syvain already holds a final status)" : `1 status update (${p.status})`;
  return `${p.slug}: ${p.metrics} metric point(s), ${p.annotations} annotation(s), ${status}${p.id === null ? ", created if missing" : ""} (from ${dir})`;
}

/** A directory the spool engine wrote has this file at its top. */
export { FORMAT_FILE as SPOOL_FORMAT_FILE } from "../../delivery/spool/spool-layout.ts";
