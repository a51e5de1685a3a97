/**
 * A collector's spool: opened once, lazily (at the first `experiment()`, since opening is async and
 * the constructor is not), shared by all its experiments. It gives each experiment's outbox a
 * journal, resumes in the background what dead processes left in the same directory (online
 * mode), writes everything synchronously if the process exits without `close()`, and reports its
 * figures. It never makes `metric()` throw: a directory it cannot write means one warning, a
 * counter, and events kept in memory only.
 */
import type { ExperimentSpec } from "../mapping/experiment.ts";
import type { SyvainClient } from "../client/client-types.ts";
import type { Spool, SpoolError, SpoolStats } from "../delivery/spool/index.ts";
import type { OutboxJournal } from "../delivery/journal/outbox-journal.ts";
import type { WarningSink } from "./warnings.ts";

/**
 * The spool engine, its journal and the leftovers replay: some 30 modules, loaded at the first
 * `open()` (already async) rather than when the package is imported, so importing the facade
 * stays cheap (the root import time goal, issue 13 point 4) and a collector with the spool off
 * never loads them.
 */
async function loadSpoolParts() {
  const [{ openSpool }, { SpoolJournal }, { RecordType }, { replaySpool }] = await Promise.all([
    import("../delivery/spool/index.ts"),
    import("../delivery/journal/outbox-journal.ts"),
    import("../delivery/journal/spool-records.ts"),
    import("../destinations/leftovers/replay.ts"),
  ]);
  return { openSpool, SpoolJournal, RecordType, replaySpool };
}

type SpoolParts = Awaited<ReturnType<typeof loadSpoolParts>>;

/** What `collector.stats().spool` reports. */
export interface CollectorSpoolStats {
  dir: string;
  state: SpoolStats["state"];
  bytesOnDisk: number;
  /** Records on disk not yet acknowledged by Syvain. */
  eventsOnDisk: number;
  /** Events of dead processes this collector delivered (its background resume). */
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

export interface CollectorSpoolOptions {
  dir: string;
  maxBytes: number;
  offline: boolean;
  warn: WarningSink;
}

export class CollectorSpool {
  readonly #o: CollectorSpoolOptions;
  #opening: Promise<Spool> | undefined;
  #spool: Spool | undefined;
  /** Set by `#open`, before the spool it opened is handed out. */
  #parts: SpoolParts | undefined;
  #warned = false;
  #resume: Promise<void> | undefined;
  readonly #stopResume = new AbortController();
  #resumed = 0;
  #crashedRuns = 0;
  readonly #onExit = (): void => this.#spool?.flushSync();

  constructor(options: CollectorSpoolOptions) {
    this.#o = options;
  }

  get offline(): boolean {
    return this.#o.offline;
  }

  /** Opens the spool (once); online, starts delivering dead processes' leftovers with `client`. */
  open(client: SyvainClient | undefined): Promise<Spool> {
    this.#opening ??= this.#open(client);
    return this.#opening;
  }

  async #open(client: SyvainClient | undefined): Promise<Spool> {
    const parts = (this.#parts = await loadSpoolParts());
    const spool = await parts.openSpool({ dir: this.#o.dir, maxBytes: this.#o.maxBytes, onError: (error) => this.#onError(error) });
    this.#spool = spool;
    // An exit without close(): write what the flusher has not yet, synchronously.
    process.once("exit", this.#onExit);
    if (client !== undefined && !this.#o.offline) this.#resume = this.#resumeLeftovers(parts, spool, client);
    return spool;
  }

  /** The journal of one experiment; offline, its creation is spooled too (it happens on `sync`). */
  journal(spool: Spool, spec: ExperimentSpec, record: { slug: string; id: string }, reuse: boolean): OutboxJournal {
    // `spool` came from `open()`, which loaded the parts first.
    const { RecordType, SpoolJournal } = this.#parts!;
    if (this.#o.offline) spool.append(RecordType.create, { x: record.slug, i: null, spec, reuse });
    return new SpoolJournal({ spool, slug: record.slug, experimentId: this.#o.offline ? null : record.id, ack: !this.#o.offline });
  }

  stats(): CollectorSpoolStats {
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
      notSpooled: s ? s.refusedFull + s.refusedFallback + s.unwrittenRecords : 0,
    };
  }

  /** Lets the background resume finish within `timeoutSeconds`, then writes, syncs and closes. */
  async close(timeoutSeconds: number): Promise<void> {
    if (this.#resume !== undefined) {
      const timer = setTimeout(() => this.#stopResume.abort(new Error("the collector closed")), timeoutSeconds * 1000);
      await this.#resume;
      clearTimeout(timer);
    }
    process.removeListener("exit", this.#onExit);
    await this.#spool?.close();
  }

  async #resumeLeftovers({ replaySpool }: SpoolParts, spool: Spool, client: SyvainClient): Promise<void> {
    const adopted = await spool.adoptOrphans();
    if (adopted.adopted.length === 0) return;
    const result = await replaySpool(spool, client, {
      signal: this.#stopResume.signal,
      // In the background: a few attempts, then the rest waits for the next run or `sync`.
      maxAttempts: 3,
      onProgress: (counts) => {
        this.#resumed = counts.metrics + counts.annotations;
        this.#crashedRuns = counts.crashedRuns;
      },
    });
    if (result.stoppedBy !== undefined && !this.#stopResume.signal.aborted) {
      this.#o.warn(`Syvain spool: delivering what earlier runs left in ${this.#o.dir} stopped (${result.stoppedBy.message}); ${result.remaining} record(s) stay on disk for the next run or \`syvain-otel sync\``);
    }
  }

  #onError(error: SpoolError): void {
    // Corrupt files moved aside, unsupported versions, unserialisable records: said as they come.
    if (error.code !== "io" || error.op === "read" || error.op === "rename") return this.#o.warn(`Syvain spool: ${error.message}`);
    // A disk the spool cannot write: said once, then counted (stats().spool.fallbacks).
    if (this.#warned) return;
    this.#warned = true;
    this.#o.warn(`Syvain spool: ${error.message}; events are kept in memory only (bounded by maxQueueItems) until the disk works again. See collector.stats().spool.`);
  }
}
