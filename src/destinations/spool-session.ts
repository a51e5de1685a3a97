/**
 * One process's use of a spool directory, shared by the facade's `Collector` and the OTel
 * exporters: the spool opened once (opening is async, constructors are not), a journal per
 * experiment outbox, the background delivery of what dead processes left in the same directory
 * (online only: at open, then every 60 s for processes that died since), a synchronous write of
 * everything on `exit` without `close()`, and the figures.
 * It never makes logging throw: a directory it cannot write means one warning, a counter, and
 * events kept in memory only.
 */
import path from "node:path";
import type { ExperimentSpec } from "../mapping/experiment.ts";
import type { SyvainClient } from "../client/client-types.ts";
import type { Spool, SpoolError, SpoolStats } from "../delivery/spool/index.ts";
import type { KeepFailed, OutboxJournal } from "../delivery/journal/outbox-journal.ts";
import type { ExperimentJournal } from "../delivery/journal/experiment-journal.ts";
import { resolveSpoolDir } from "../config/spool-defaults.ts";
import type { DeferredJournalRules } from "./keep-unless-refused.ts";
import type { SpooledCreation } from "../delivery/journal/experiment-journal.ts";
import type { PeriodicAdoption } from "./leftovers/periodic-adoption.ts";
import type { OtherMachineWatch } from "./leftovers/other-machine-watch.ts";
import { conflictsDirOf, renameCommand, syncCommand } from "./kept-run-hint.ts";
import { hostPartOf } from "./host-part-dir.ts";

/**
 * The spool engine, its journal and the leftovers replay: some 30 modules, loaded at the first
 * `open()` (already async) rather than when the package is imported, so importing the facade
 * stays cheap (issue 13's root import goal) and an owner with the spool off never loads them.
 */
async function loadSpoolParts() {
  const [{ openSpool }, { FORMAT_FILE }, { SpoolJournal }, { experimentJournal }, { RecordType, deliveredEventTypes }, { replaySpool }, { PeriodicAdoption }, { ConflictKeeper }, { OtherMachineWatch }] = await Promise.all([
    import("../delivery/spool/index.ts"),
    import("../delivery/spool/spool-layout.ts"),
    import("../delivery/journal/outbox-journal.ts"),
    import("../delivery/journal/experiment-journal.ts"),
    import("../delivery/journal/spool-records.ts"),
    import("./leftovers/replay.ts"),
    import("./leftovers/periodic-adoption.ts"),
    import("./leftovers/conflict-keeper.ts"),
    import("./leftovers/other-machine-watch.ts"),
  ]);
  return { openSpool, FORMAT_FILE, SpoolJournal, experimentJournal, RecordType, deliveredEventTypes, replaySpool, PeriodicAdoption, ConflictKeeper, OtherMachineWatch };
}

type SpoolParts = Awaited<ReturnType<typeof loadSpoolParts>>;

/** An offline `collector.experiment()`'s creation, spooled for `sync`: the run's policy, and a `create`'s own key. */
export interface OfflineCreation {
  spec: ExperimentSpec;
  policy: "create" | "create-or-reuse";
  key: string | undefined;
}

/** What `collector.stats().spool` and the exporters' `spoolStats()` report. */
export interface SpoolSessionStats {
  dir: string;
  state: SpoolStats["state"];
  bytesOnDisk: number;
  /** Records on disk not yet acknowledged by Syvain. */
  eventsOnDisk: number;
  /** Events of dead processes this process delivered (its background resume). */
  resumed: number;
  /** Runs of dead processes it marked `failed`. */
  crashedRuns: number;
  /** Damaged or torn records skipped while reading leftovers back. */
  tornRecordsSkipped: number;
  /** Times the spool fell back to memory (a disk it could not write). */
  fallbacks: number;
  /** Events kept in memory only because the spool was full or in fallback. */
  notSpooled: number;
}

export interface SpoolSessionOptions {
  /** One Syvain host's directory (`hostSpoolDir`). */
  dir: string;
  /** That host (named in the `syvain-otel sync` command the warnings give, and in the directory's FORMAT). */
  host: string;
  maxBytes: number;
  offline: boolean;
  /** Where the session's warnings go (a `SyvainSpoolWarning` by default: `emitSpoolWarning`). */
  warn: (message: string) => void;
  /** Where the owner shows the figures, named in the fallback warning, e.g. `collector.stats().spool`. */
  statsAt: string;
}

/** The default warning sink: a process warning of type `SyvainSpoolWarning`. */
export const emitSpoolWarning = (message: string): void => process.emitWarning(message, { type: "SyvainSpoolWarning" });

export interface SpoolSessionChoice {
  /** The `spoolDir` option as given (`false`: off; `undefined`: `SYVAIN_SPOOL_DIR`, else the default when `onByDefault`). */
  spoolDir: string | false | undefined;
  onByDefault: boolean;
  /** The Syvain host the events are for: it picks its own directory inside the spool directory. */
  host: string;
  maxBytes: number;
  offline?: boolean;
  warn?: (message: string) => void;
  statsAt: string;
}

/** The session the options ask for, or `undefined` when the spool is off. */
export function spoolSessionFor(choice: SpoolSessionChoice): SpoolSession | undefined {
  const dir = resolveSpoolDir(choice.spoolDir, choice.onByDefault);
  if (dir === undefined) return undefined;
  return new SpoolSession({ dir: hostPartOf(dir, choice.host), host: choice.host, maxBytes: choice.maxBytes, offline: choice.offline ?? false, warn: choice.warn ?? emitSpoolWarning, statsAt: choice.statsAt });
}

/** What a full spool means for the events it refuses, in the owner's words (its `stats().spool`, its options). */
function fullSpool(o: SpoolSessionOptions): string {
  const what = o.offline
    ? "Offline, the events it refuses are kept nowhere else: they are lost (flushOrRaise() reports them)"
    : "Until delivery frees room, new events are kept in memory only (bounded by maxQueueItems): a crash loses them";
  return `Syvain spool: ${o.dir} is full (spoolMaxBytes ${o.maxBytes}). ${what}; a larger spoolMaxBytes keeps more on disk. Refused events are counted in ${o.statsAt}.notSpooled.`;
}

function leftBehind(error: SpoolError, o: SpoolSessionOptions): string {
  return `Syvain spool: ${error.message}. What earlier processes left there is delivered by the next process that can write there, or by \`${syncCommand(o.dir, o.host)}\` once it can.`;
}

function leftAtExit(events: number, dir: string, host: string): string {
  return (
    `exiting with ${events} event(s) not delivered to Syvain: they are kept in the spool at ${dir}, and a run not finished stays \`running\`, ` +
    `until the next process on that spool directory, or \`${syncCommand(dir, host)}\`, delivers them`
  );
}

export class SpoolSession {
  readonly #o: SpoolSessionOptions;
  #opening: Promise<Spool> | undefined;
  #spool: Spool | undefined;
  /** Set by `#open` before the spool it opens exists, so every use of a spool finds them loaded. */
  #parts: SpoolParts | undefined;
  #warned = false;
  #adoption: PeriodicAdoption | undefined;
  /** Totals of the rounds that ended; a round in progress adds its own counts on top. */
  #resumedBefore = 0;
  #crashedRunsBefore = 0;
  #resumed = 0;
  #crashedRuns = 0;
  /** Per experiment, leftovers delivered by rounds that gave up before settling its status. */
  /** A round stopped and said so; the next rounds keep quiet until one delivers everything. */
  #resumeStopped = false;
  readonly #recovered = new Map<string, { metrics: number; annotations: number }>();
  readonly #onExit = (): void => {
    const spool = this.#spool;
    if (spool === undefined) return;
    spool.flushSync();
    // Online, an exit without close() that leaves events undelivered (user code's process.exit()
    // mid-run) is worth one line; offline, the spool is where everything is meant to wait.
    const left = spool.stats().recordsOnDisk;
    if (!this.#o.offline && left > 0) this.#warnNow(leftAtExit(left, this.#o.dir, this.#o.host));
  };

  constructor(options: SpoolSessionOptions) {
    this.#o = options;
  }

  get offline(): boolean {
    return this.#o.offline;
  }

  /** This host's spool directory. */
  get dir(): string {
    return this.#o.dir;
  }

  /** A message about the spool, where the owner's spool warnings go. */
  warn(message: string): void {
    this.#o.warn(message);
  }

  /** `warn`, from an `exit` listener: a process warning is emitted on a later tick that never comes, so it is written now. */
  #warnNow(message: string): void {
    if (this.#o.warn === emitSpoolWarning) process.stderr.write(`(node:${process.pid}) SyvainSpoolWarning: ${message}\n`);
    else this.#o.warn(message);
  }

  /** Opens the spool (once); online, starts delivering dead processes' leftovers with `client`. */
  open(client: SyvainClient | undefined): Promise<Spool> {
    this.#opening ??= this.#open(client);
    return this.#opening;
  }

  async #open(client: SyvainClient | undefined): Promise<Spool> {
    const parts = (this.#parts = await loadSpoolParts());
    const spool = await parts.openSpool({ dir: this.#o.dir, host: this.#o.host, maxBytes: this.#o.maxBytes, mode: this.#o.offline ? "offline" : "online", skipAckedTypes: parts.deliveredEventTypes, onError: (error) => this.#onError(error) });
    this.#spool = spool;
    // An exit without close(): write what the flusher has not yet, synchronously.
    process.once("exit", this.#onExit);
    if (client !== undefined && !this.#o.offline) {
      const otherMachines = new parts.OtherMachineWatch(this.#o.dir, this.#o.host);
      this.#adoption = new parts.PeriodicAdoption({
        round: (signal) => this.#resumeLeftovers(parts, spool, client, signal, otherMachines),
        onError: (error) => this.#o.warn(`Syvain spool: delivering what earlier processes left in ${this.#o.dir} failed: ${String(error)}`),
      });
      this.#adoption.start();
    }
    return spool;
  }

  /**
   * The journal of one experiment's outbox; offline, its creation (`spec`, the run's policy and,
   * for a `create`, its key) is spooled too: it happens on `sync`, as the run asked (a slug another
   * run holds is a conflict there, not theirs to add to). Without `creation`: one more journal of
   * an experiment whose creation is already spooled (the outboxes of its OTel view). `deferred`:
   * the experiment has no server id yet (offline, or its creation waits for Syvain,
   * `facade/deferred-creation.ts`): its records name it by slug and creation key only, and
   * follow its rules for what a refusal keeps.
   */
  journal(spool: Spool, record: { slug: string; id: string }, creation?: OfflineCreation, deferred?: DeferredJournalRules): OutboxJournal {
    const { RecordType, SpoolJournal } = this.#parts!; // `spool` came from `open()`, which loaded them
    if (this.#o.offline && creation !== undefined) {
      const { spec, policy, key } = creation;
      spool.append(RecordType.create, { x: record.slug, i: null, spec, reuse: policy !== "create", policy, ...(key === undefined ? {} : { key, k: key }) });
    }
    return new SpoolJournal({
      spool,
      slug: record.slug,
      experimentId: this.#o.offline || deferred !== undefined ? null : record.id,
      ack: !this.#o.offline,
      // As the facade's own journal of a deferred experiment (`facade/deferred-creation.ts`).
      ...deferred,
    });
  }

  /**
   * The OTel exporters' journal of one experiment (opening the spool first): `experimentId` null
   * means its creation waits for Syvain, so the creation is spooled too (`experiment-journal.ts`).
   */
  async experimentJournal(client: SyvainClient, spec: ExperimentSpec, experimentId: string | null, keepFailed?: KeepFailed, creation?: SpooledCreation): Promise<ExperimentJournal> {
    const spool = await this.open(client);
    return this.#parts!.experimentJournal(spool, spec, experimentId, keepFailed, creation);
  }

  stats(): SpoolSessionStats {
    const s = this.#spool?.stats();
    return {
      dir: this.#o.dir,
      state: s?.state ?? "closed",
      bytesOnDisk: s?.bytesOnDisk ?? 0,
      eventsOnDisk: s ? s.recordsOnDisk : 0,
      resumed: this.#resumed,
      crashedRuns: this.#crashedRuns,
      tornRecordsSkipped: s ? s.tornTails + s.corruptRecords : 0,
      fallbacks: s?.fallbacks ?? 0,
      notSpooled: s ? notSpooled(s) : 0,
    };
  }

  /** Stops re-adopting, lets a delivery of leftovers in progress finish within `timeoutSeconds` (`undefined`: no bound), then writes, syncs and closes. */
  async close(timeoutSeconds: number | undefined): Promise<void> {
    // An open in progress finishes first, so the spool it opens is closed too.
    await this.#opening;
    await this.#adoption?.stop(timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000, new Error("the spool's owner closed"));
    process.removeListener("exit", this.#onExit);
    await this.#spool?.close();
  }

  /** One round: adopts the directories of writers dead by now and delivers what they left; names other machines' it leaves. */
  async #resumeLeftovers({ replaySpool, ConflictKeeper }: SpoolParts, spool: Spool, client: SyvainClient, signal: AbortSignal, otherMachines: OtherMachineWatch): Promise<void> {
    const adopted = await spool.adoptOrphans();
    const left = await otherMachines.changed(adopted);
    if (left?.length) this.#o.warn(`Syvain spool: ${otherMachines.describe(left)}`);
    // What an earlier round adopted and gave up on (Syvain down too long) is read again: a
    // long-running process delivers everything eventually, with no restart.
    const retried = spool.requeueUnsettled();
    if (adopted.adopted.length === 0 && retried === 0) return;
    const result = await replaySpool(spool, client, {
      signal,
      // In the background: a few attempts per round, then the rest waits for the next round.
      maxAttempts: 3,
      recovered: this.#recovered,
      // A run whose slug another run holds is moved aside once, said once, and not read again by later rounds.
      keeper: new ConflictKeeper(this.#o.dir),
      onProgress: (counts) => {
        this.#resumed = this.#resumedBefore + counts.metrics + counts.annotations;
        this.#crashedRuns = this.#crashedRunsBefore + counts.crashedRuns;
      },
    });
    this.#resumedBefore = this.#resumed;
    this.#crashedRunsBefore = this.#crashedRuns;
    for (const run of result.keptRuns) {
      this.#o.warn(
        `Syvain spool: experiment ${JSON.stringify(run.slug)} of an earlier process (ifExists "error") could not be created: ${run.reason.message}. ` +
          `Its ${run.events} event(s) are kept, not sent, in ${conflictsDirOf(this.#o.dir)}, never added to the existing experiment, which belongs to another run; ` +
          `to deliver them under a new slug: ${renameCommand(run.slug, this.#o.dir)}`,
      );
    }
    if (result.stoppedBy === undefined) this.#resumeStopped = false;
    else if (!signal.aborted && !this.#resumeStopped) {
      // Once per streak: a long outage would otherwise repeat it every round.
      this.#resumeStopped = true;
      this.#o.warn(
        `Syvain spool: delivering what earlier processes left in ${this.#o.dir} stopped (${result.stoppedBy.message}); ${result.remaining} record(s) stay on disk: ` +
          `this process tries again every ${seconds(this.#adoption!.intervalMs)} while it runs, else the next run or \`syvain-otel sync\` delivers them`,
      );
    }
  }

  #onError(error: SpoolError): void {
    if (error.code === "full") return this.#o.warn(fullSpool(this.#o));
    // Dead runs' folders it could not take over (a full disk): said even after the fallback warning, which does not cover them.
    if (error.op === "adopt") return this.#o.warn(leftBehind(error, this.#o));
    // Corrupt files moved aside, damaged records, an orphan of another version: said as they come.
    if (!disablesSpool(error, this.#parts!.FORMAT_FILE)) return this.#o.warn(`Syvain spool: ${error.message}`);
    // A spool this process cannot use: said once, then counted (stats().spool.fallbacks).
    if (this.#warned) return;
    this.#warned = true;
    const kept = this.#o.offline
      ? "offline, events the spool cannot take are kept nowhere else: they are lost (flush() and flushOrRaise() report them)"
      : "events are kept in memory only (bounded by maxQueueItems) until the disk works again";
    this.#o.warn(`Syvain spool: ${error.message}; ${kept}. See ${this.#o.statsAt}.`);
  }
}

/** A disk that cannot be written, or a spool directory of another format version: the spool falls back to memory. */
function disablesSpool(error: SpoolError, formatFile: string): boolean {
  if (error.code === "unsupported_format") return error.path !== undefined && path.basename(error.path) === formatFile;
  return error.code === "io" && error.op !== "read" && error.op !== "rename";
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

/** Records the spool did not take (full, in fallback) or lost to a failed write: kept in memory only, if at all. */
export function notSpooled(s: SpoolStats): number {
  return s.refusedFull + s.refusedFallback + s.unwrittenRecords;
}
