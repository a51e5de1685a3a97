/**
 * The bridge's disk spool: opened at `start()`, it journals every experiment's outbox (events are
 * on disk, fdatasync'd, before a request is answered 200: `intake.ts`), defers the creation of new
 * experiments while Syvain is unavailable (`exporter/otel/experiment-journals.ts`), and delivers in
 * the background what earlier, dead bridges left in the same directory (at start, then every 60 s
 * for bridges that died since: replicas sharing a volume), retrying until Syvain takes it or the
 * bridge stops. On `close()` what is still undelivered stays on disk, synced, for
 * the next bridge (or `syvain-otel sync`).
 */
import type { SyvainClient } from "../client/client-types.ts";
import { experimentJournal, type ExperimentJournal } from "../delivery/journal/experiment-journal.ts";
import { deliveredEventTypes } from "../delivery/journal/spool-records.ts";
import { MAX_RECORD_PAYLOAD_BYTES, openSpool, type Spool, type SpoolError, type SpoolStats } from "../delivery/spool/index.ts";
import type { ExperimentSpec } from "../destinations/destination.ts";
import { replaySpool } from "../destinations/leftovers/replay.ts";
import { PeriodicAdoption } from "../destinations/leftovers/periodic-adoption.ts";
import { otherMachineFields, OtherMachineWatch } from "../destinations/leftovers/other-machine-watch.ts";
import type { MachineFolders } from "../destinations/leftovers/other-machines.ts";
import type { ExperimentJournals } from "../exporter/otel/experiment-journals.ts";
import type { BridgeLog } from "./bridge-log.ts";
import { keepUnlessDataRefused } from "./refused-data.ts";

/**
 * A bridge's segments are larger than an SDK process's (one bridge carries many senders), but at
 * most an eighth of the spool: a segment is deleted only once sealed and fully acknowledged, so a
 * full spool must be made of several for delivery to free room. At least a largest record.
 */
export function segmentBytesFor(maxBytes: number): number {
  return Math.max(MAX_RECORD_PAYLOAD_BYTES + 4096, Math.min(64 * 1024 * 1024, Math.floor(maxBytes / 8)));
}

export interface BridgeSpoolOptions {
  /** This Syvain host's part of the spool directory (`hostSpoolDir`). */
  dir: string;
  /** That host, written into the part's FORMAT (`sync` delivers a copy of the part from anywhere). */
  host: string;
  maxBytes: number;
  /** 0: fdatasync before every answer (group commit); N: at most every N ms (answers wait for it). */
  syncMs: number;
  log: BridgeLog;
  /** A new experiment's creation still unanswered after this long is deferred, so its request is answered from the spool in time. */
  deferCreationAfterMs: number;
}

/** Appends refused or lost so far: a request whose window saw one cannot be promised as durable. */
export function refusedAppends(stats: SpoolStats): number {
  return stats.refusedFull + stats.refusedFallback + stats.unwrittenRecords + stats.badRecords;
}

export class BridgeSpool implements ExperimentJournals {
  readonly #o: BridgeSpoolOptions;
  #spool: Spool | undefined;
  #adoption: PeriodicAdoption | undefined;
  /** The leftovers adopted so far were all settled (delivered, or refused for good). */
  #leftoversDelivered = true;
  readonly #otherMachines: OtherMachineWatch;
  #otherMachinesLeft: MachineFolders[] = [];

  constructor(options: BridgeSpoolOptions) {
    this.#o = options;
    this.#otherMachines = new OtherMachineWatch(options.dir, options.host);
  }

  get dir(): string {
    return this.#o.dir;
  }

  get deferCreationAfterMs(): number {
    return this.#o.deferCreationAfterMs;
  }

  get maxBytes(): number {
    return this.#o.maxBytes;
  }

  /** The open spool; only called once `open()` resolved (the bridge listens after it). */
  get spool(): Spool {
    if (this.#spool === undefined) throw new Error("the bridge spool is not open yet");
    return this.#spool;
  }

  /** Opens the spool; with a client, starts delivering what dead bridges left. */
  async open(client: SyvainClient | undefined): Promise<void> {
    this.#spool = await openSpool({
      dir: this.#o.dir,
      host: this.#o.host,
      maxBytes: this.#o.maxBytes,
      segmentBytes: segmentBytesFor(this.#o.maxBytes),
      syncIntervalMs: this.#o.syncMs,
      skipAckedTypes: deliveredEventTypes,
      onError: (error) => this.#onError(error),
    });
    if (this.#spool.lastError !== undefined) {
      // The bridge then refuses to start (bridge-delivery.ts). What earlier bridges left there is
      // logged first (spool.error "could not take over ..."): run memory only, it stays undelivered.
      await this.#spool.adoptOrphans();
      return;
    }
    if (client === undefined) return;
    const spool = this.#spool;
    this.#adoption = new PeriodicAdoption({
      round: (signal) => this.#resumeLeftovers(spool, client, signal),
      onError: (error) => this.#o.log({ level: "error", event: "spool.resume.stopped", reason: String(error) }),
    });
    this.#adoption.start();
  }

  journal(spec: ExperimentSpec, experimentId: string | null): ExperimentJournal {
    // A 200 was answered for these events: one Syvain refused stays on disk for a later bridge (or
    // sync), unless Syvain refused the data itself (`refused-data.ts`).
    return experimentJournal(this.spool, spec, experimentId, keepUnlessDataRefused(this.#o.log, spec.slug));
  }

  /**
   * Why nothing can be appended now (503), or `undefined`; `refusedForRoom`: appends were just
   * refused as the spool is full. A failed disk is retried by the next append.
   */
  refusal(refusedForRoom = false): string | undefined {
    const stats = this.#spool?.stats();
    if (stats === undefined) return "the spool is not open";
    if (stats.full || refusedForRoom) return `the spool is full (${stats.bytesOnDisk} bytes on disk, --spool-max-bytes ${this.#o.maxBytes}); it empties as Syvain takes the data`;
    return undefined;
  }

  /**
   * Why the bridge is not ready though requests are not refused up front, or `undefined`: a disk
   * write failed (EFBIG, ENOSPC, EIO), so every request gets 503 until one succeeds. Asking retries
   * the disk when due: a load balancer that stopped sending (not ready) must not keep it so for good.
   */
  failing(): string | undefined {
    const spool = this.#spool;
    if (spool?.stats().state !== "fallback") return undefined;
    spool.probeDisk();
    return `the spool cannot write (${spool.lastError?.message ?? "see the bridge log"}); requests get 503 until a write succeeds again`;
  }

  /** Settles once the round delivering what earlier bridges left ends (all of it, or stopped); at once between rounds. */
  leftoversSettled(): Promise<void> {
    return this.#adoption?.idle() ?? Promise.resolve();
  }

  /** Earlier bridges' records this bridge adopted and did not get delivered: they stay on disk. */
  get earlierLeftoversRemain(): boolean {
    return !this.#leftoversDelivered;
  }

  /** Once closed: folders with records whose LOCK names another machine, which no bridge takes by itself (`OtherMachineWatch`). */
  get otherMachinesLeft(): readonly MachineFolders[] {
    return this.#otherMachinesLeft;
  }

  /** Describes `otherMachinesLeft` (or other folders): each machine's, and the command that delivers them. */
  describeOtherMachines(folders: readonly MachineFolders[]): string {
    return this.#otherMachines.describe(folders);
  }

  /** Stops the background delivery of leftovers, then writes, syncs and closes: what is undelivered stays on disk. */
  async close(): Promise<SpoolStats | undefined> {
    await this.#adoption?.stop(0, new Error("the bridge is closing"));
    const spool = this.#spool;
    if (spool === undefined) return undefined;
    const stats = spool.stats();
    await spool.close();
    this.#otherMachinesLeft = await this.#otherMachines.folders();
    return stats;
  }

  /** One round: adopts the directories of bridges dead by now and delivers what they left. */
  async #resumeLeftovers(spool: Spool, client: SyvainClient, signal: AbortSignal): Promise<void> {
    const adopted = await spool.adoptOrphans();
    const otherMachines = await this.#otherMachines.changed(adopted);
    if (otherMachines?.length) this.#o.log({ level: "warn", event: "spool.other-machines", dir: this.#o.dir, ...otherMachineFields(otherMachines), reason: this.#otherMachines.describe(otherMachines) });
    // A replay that stopped (a refusal that is not retried, e.g. a key Syvain rejected meanwhile) is read again.
    const retried = spool.requeueUnsettled();
    // Earlier bridges' folders it could not take over (a full disk; logged as spool.error): not "nothing left to deliver".
    if (adopted.notAdopted !== undefined) this.#leftoversDelivered = false;
    if (adopted.adopted.length === 0 && retried === 0) return;
    this.#leftoversDelivered = false;
    this.#o.log({ level: "info", event: "spool.resume", dir: this.#o.dir, adoptedDirs: adopted.adopted.length, bytes: spool.stats().bytesOnDisk });
    // Retried until Syvain takes it (backoff capped at 30 s) or the bridge closes: a running bridge
    // must deliver what it adopted, not leave it for a restart that may never come.
    const result = await replaySpool(spool, client, { signal, maxAttempts: Number.POSITIVE_INFINITY });
    const { stoppedBy, ...counts } = result;
    this.#leftoversDelivered = stoppedBy === undefined && adopted.notAdopted === undefined;
    if (stoppedBy === undefined) this.#o.log({ level: "info", event: "spool.resumed", ...counts });
    else this.#o.log({ level: signal.aborted ? "info" : "error", event: "spool.resume.stopped", reason: stoppedBy.message, ...counts });
  }

  #onError(error: SpoolError): void {
    this.#o.log({ level: error.code === "io" && error.op !== "read" ? "error" : "warn", event: "spool.error", dir: this.#o.dir, code: error.code, message: error.message });
  }
}
