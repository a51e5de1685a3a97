/**
 * The crash-safe disk spool: an append-only log per process that events enter before they count as
 * queued, and leave (segment by segment) once acknowledged. Format and promise: docs/spool.md.
 *
 * `append()` is synchronous and does no I/O. A single flusher serialises and writes what was
 * appended (one write in flight: file order is append order), fdatasyncs on the configured policy,
 * writes acks and deletes fully acknowledged segments. An I/O failure switches the spool to memory
 * fallback (appends refused, the caller keeps events in memory) instead of throwing; the disk is retried.
 */
import { randomInt } from "node:crypto";
import path from "node:path";
import type { AdoptResult } from "./adopt.ts";
import { writeAckLogs, type AckLog } from "./ack-log.ts";
import { ackRun, forEachRun } from "./ack-runs.ts";
import { readSource, requeueUnsettled, type AdoptedSource, type BacklogHost, type BacklogRecord } from "./backlog-reader.ts";
import { ChunkEncoder } from "./chunk-encoder.ts";
import { DiskBudget } from "./disk-budget.ts";
import type { JsonEnvelope } from "./json-envelope.ts";
import { writeFallbackAcks, writeFallbackAcksSync } from "./fallback-acks.ts";
import { DiskRetry } from "./disk-retry.ts";
import { Durability } from "./durability.ts";
import { EarlyAcks } from "./early-acks.ts";
import { WriteWindow } from "./write-window.ts";
import { LeftBehind } from "./left-behind.ts";
import { closeSegment, LiveSegments, type OwnRecords } from "./live-segments.ts";
import { currentIdentity, type LivenessOptions, type OwnerIdentity } from "./process-identity.ts";
import { MAX_RECORD_PAYLOAD_BYTES } from "./record-format.ts";
import { BacklogRef, type SegmentState } from "./segment-state.ts";
import { asSpoolError, closedError, ioError, type SpoolError } from "./spool-errors.ts";
import { writeFully } from "./spool-fs.ts";
import { writeRestSync, type InflightWrite } from "./flush-sync.ts";
import { PendingQueue } from "./pending-queue.ts";
import { Reporter } from "./reporter.ts";
import { deleteRetired } from "./retired-segments.ts";
import { writerDirName } from "./spool-layout.ts";
import { fitSegmentsToDisk, resolveSpoolOptions, type ResolvedSpoolOptions, type SpoolOptions } from "./spool-options.ts";
import { newCounters, type SpoolStats } from "./spool-stats.ts";
import { createWriterDir, ensureFormat, releaseWriterDir, type LiveSocket } from "./writer-setup.ts";

/** What `append()` returns: pass it to `ack()` once the record is delivered. Backlog records carry a `BacklogRef`. */
export type RecordRef = number | BacklogRef;

/** Opens a spool; never rejects for I/O (the spool then starts in fallback state with `lastError` set). */
export async function openSpool(options: SpoolOptions): Promise<Spool> {
  const spool = new Spool(await fitSegmentsToDisk(resolveSpoolOptions(options)), { ...currentIdentity(), ...(options.mode ? { mode: options.mode } : {}) });
  await spool.start();
  return spool;
}

export class Spool {
  readonly #o: ResolvedSpoolOptions;
  readonly #me: OwnerIdentity;
  readonly #counters = newCounters();
  /** This writer directory's name and path. */
  readonly name: string;
  readonly dir: string;
  readonly #writerId = randomInt(2 ** 32);
  readonly #live: LiveSegments;
  readonly #encoder: ChunkEncoder;
  #state: SpoolStats["state"] = "active";
  #closing = false;
  #dirReady = false;
  #liveSocket: LiveSocket | undefined;
  #lastError: SpoolError | undefined;
  readonly #retry: DiskRetry;
  readonly #leftBehind = new LeftBehind();
  /** Appended, not yet written; the newest has seq `#nextSeq - 1`. */
  readonly #pending: PendingQueue;
  /** `maxBytes` against what is written and what waits for the flusher. */
  readonly #budget: DiskBudget;
  /** Appends accepted before `#budget` is asked again: a field of the spool's own, as the hot path reads it (one load). */
  #appendsLeft = 0;
  #nextSeq = 1;
  #writtenSeq = 0;
  readonly #durability = new Durability();
  /** The asynchronous write in flight: `flushSync()` writes it again, synchronously, then the rest after it. */
  #inflight: InflightWrite | undefined;
  #outstanding = 0;
  readonly #earlyAcks = new EarlyAcks();
  readonly #window: WriteWindow;
  #retired: SegmentState[] = [];
  /** An adopted directory may have become empty: `#deleteRetired` checks them. */
  #sourcesToCheck = false;
  readonly #dirtyAcks = new Set<AckLog>();
  readonly #unsyncedAcks = new Set<AckLog>();
  readonly #adopted: AdoptedSource[] = [];
  #backlogQueue: AdoptedSource[] = [];
  #pump: Promise<void> | undefined;
  #syncTimer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #lastSyncAt: number;
  readonly #reporter: Reporter;

  constructor(options: ResolvedSpoolOptions, me: OwnerIdentity) {
    this.#o = options;
    this.#me = me;
    this.name = writerDirName(me.host, me.pid, options.now(), this.#writerId);
    this.dir = path.join(options.dir, this.name);
    this.#live = new LiveSegments(options.fs, this.dir, this.#writerId);
    this.#encoder = new ChunkEncoder(options.flushBytes + 64 * 1024);
    this.#budget = new DiskBudget(options.maxBytes, () => this.#counters.bytesOnDisk + (this.#inflight?.length ?? 0), () => this.#pending.unwritten - this.#pending.delivered);
    this.#lastSyncAt = options.now();
    const running = (): boolean => {
      this.#kick();
      return this.#state === "active" && !this.#closing;
    };
    this.#window = new WriteWindow(options.flushIntervalMs, () => this.#nextSeq - 1, running, options.now);
    this.#pending = new PendingQueue(options.skipAckedTypes);
    this.#reporter = new Reporter(options.onError, this.#counters);
    this.#retry = new DiskRetry({ fs: options.fs, retryMs: options.retryMs, now: options.now });
  }

  /** @internal called once by `openSpool`. */
  async start(): Promise<void> {
    try {
      await this.#prepareDisk();
    } catch (error) {
      this.#fail(asSpoolError(error, "open", this.dir));
    }
  }

  get lastError(): SpoolError | undefined {
    return this.#lastError;
  }

  /**
   * Queues one record; synchronous, no I/O. `payload` is a Uint8Array (stored as is) or a JSON value
   * (serialised later by the flusher, so it must not be mutated afterwards), written inside
   * `envelope`'s fixed bytes when one is given. Returns undefined, and counts why, if the spool is
   * full, in fallback or closed: the caller then keeps the event in memory.
   */
  append(type: number, payload: unknown, envelope?: JsonEnvelope): number | undefined {
    if (this.#state !== "active" || this.#closing) {
      if (this.#state === "fallback") {
        this.#counters.refusedFallback++;
        this.probeDisk();
      }
      return undefined;
    }
    // Used up: asked again (acks may have freed space), this append included.
    if (--this.#appendsLeft < 0 && !this.#reporter.roomFor((this.#appendsLeft = this.#budget.appendsLeft() - 1) >= 0, this.dir, this.#o.maxBytes, this.#o.now())) return undefined;
    if ((type & 0xff) !== type || type === 0 || (payload instanceof Uint8Array && payload.length > MAX_RECORD_PAYLOAD_BYTES)) {
      this.#reporter.badRecord(`record type must be 1..255 and a byte payload at most ${MAX_RECORD_PAYLOAD_BYTES} bytes (type ${String(type)})`);
      return undefined;
    }
    this.#counters.appended++;
    // `===`: past the mark the flush timer is set and the kick pending; appends need not ask again.
    if (this.#pending.push(type, payload, envelope) === this.#o.flushRecords) {
      this.#window.open(this.#nextSeq);
      this.#kickSoon();
    } else this.#window.arm();
    return this.#nextSeq++;
  }

  /**
   * Resolves once every record up to `ref` (default: the last appended) is written and fdatasync'd;
   * rejects with the `SpoolError` if a write failed first (the records then exist only in memory).
   */
  whenDurable(ref: number = this.#nextSeq - 1): Promise<void> {
    if (this.#durability.isLost(ref)) return Promise.reject(this.#lastError ?? closedError());
    if (ref <= this.#durability.durableSeq) return Promise.resolve();
    if (this.#state !== "active") return Promise.reject(this.#lastError ?? closedError());
    this.#window.open(ref);
    if (this.#o.syncIntervalMs === 0) this.#kickSoon();
    return this.#durability.wait(ref);
  }

  /** Every record appended so far is written at the window's next tick, without waiting to see it delivered (write-window.ts). */
  writeSoon(): void {
    this.#window.open(this.#nextSeq - 1);
  }

  /** Marks records delivered (a 2xx, or a permanent failure recorded as such). Repeated acks are harmless. */
  ack(refs: RecordRef | readonly RecordRef[]): void {
    if (typeof refs === "number" || refs instanceof BacklogRef) this.#ackOne(refs);
    else forEachRun(refs, this.#writtenSeq, (from, to) => this.#ackRun(from, to), (ref) => this.#ackOne(ref));
    if (this.#state === "active" && !this.#closing) this.#window.arm();
  }

  /** This writer's own records read back (a spilled event): where each one is, and its payload once written. */
  get own(): OwnRecords {
    return this.#live.own(this.#writtenSeq, this.#nextSeq, this.#state === "fallback", this.#durability);
  }

  /**
   * Takes over dead processes' writer directories; their records come out of `backlog()`. Those it
   * cannot (no writer directory of its own: a full disk) are named in `notAdopted` (left-behind.ts).
   * A folder whose LOCK names another machine is taken only with `otherMachines: "finished"`: a
   * user's word that its process has ended (`sync --from-other-machine`), never an automatic resume's.
   */
  async adoptOrphans(options: LivenessOptions = {}): Promise<AdoptResult> {
    if (!this.#dirReady) this.probeDisk(); // room may be back: the next call adopts then
    const { result, sources } = await this.#leftBehind.adopt(this.#host, this.name, this.#me, this.#dirReady ? undefined : (this.#lastError ?? closedError()), options);
    this.#adopted.push(...sources);
    this.#backlogQueue.push(...sources);
    return result;
  }

  /** Queues again what `backlog()` gave whose records are not all acked (a replay that gave up); call it between replays. */
  requeueUnsettled(): number {
    return requeueUnsettled(this.#adopted, this.#backlogQueue);
  }

  /** Unacknowledged records of adopted directories, oldest first. Ack each `ref` once delivered. */
  async *backlog(): AsyncGenerator<BacklogRecord> {
    while (this.#backlogQueue.length) {
      const source = this.#backlogQueue.shift()!;
      yield* readSource(this.#host, source);
      this.#sourcesToCheck = true; // the directory may be removable now (e.g. it held no records)
      this.#kickSoon();
    }
  }

  stats(): SpoolStats {
    return { ...this.#counters, state: this.#state, pendingRecords: this.#pending.unwritten, recordsOnDisk: this.#outstanding, full: this.#budget.appendsLeft() <= 0 };
  }

  /**
   * Writes and fdatasyncs everything appended, writes acks, then closes; removes the writer directory
   * if nothing is left in it, else releases its LOCK so that a later spool (in this process too) may adopt it.
   */
  async close(): Promise<void> {
    if (this.#state === "closed" || this.#closing) return;
    this.#closing = true;
    this.#clearTimers();
    await this.#retry.idle(); // a try of the disk in progress ends first (it may make the spool active again)
    this.#window.open(this.#nextSeq - 1);
    while (this.#state === "active" && this.#hasWork(true)) {
      this.#kick();
      await this.#pump;
    }
    await this.#pump;
    // In fallback, acknowledged segments go first (`#freeRoom`): the acks written then need less room than there is.
    if (this.#state === "fallback") this.#lastError = (await this.#freeRoom().then(() => writeFallbackAcks(this.#dirtyAcks, this.dir, this.#counters))) ?? this.#lastError;
    const clean = this.#state === "active" && this.#outstanding === 0 && this.#adopted.every((s) => s.fullyRead && s.remaining === 0 && !s.keep);
    this.#state = "closed";
    this.#durability.rejectAll(closedError());
    await closeSegment(this.#o.fs, this.#live.current);
    for (const source of [this.#live.source, ...this.#adopted]) await source.acks.close();
    if (clean) {
      await this.#live.removeAll();
      this.#counters.bytesOnDisk = 0;
    } else if (this.#dirReady) {
      await releaseWriterDir(this.#o.fs, this.dir, this.#me).catch((error: unknown) => this.#reporter.report(asSpoolError(error, "close", this.dir)));
    }
    this.#liveSocket?.close(); // after the LOCK is released or removed: no moment when it names a live socket that is gone
  }

  /**
   * Exit hooks: writes everything appended with synchronous calls, fdatasyncs and closes. Never
   * throws. The spool is closed afterwards (the directory stays for the next process to adopt).
   */
  flushSync(): void {
    if (this.#state === "fallback") this.#lastError = writeFallbackAcksSync(this.#dirtyAcks, this.dir) ?? this.#lastError;
    if (this.#state !== "active") return;
    this.#state = "closed";
    this.#clearTimers();
    try {
      const rest = writeRestSync(this.#o.fs, this.#live, this.#pending.rest(), this.#inflight, this.#writtenSeq + 1);
      this.#written(rest.records, rest.bytes, rest.lastSeq, rest.skipped); // applies acks that came before their records were written
      // Every log, not only the dirty ones: a log the flusher is writing is no longer dirty.
      for (const source of [this.#live.source, ...this.#adopted]) source.acks.writePendingSync();
    } catch (error) {
      this.#lastError = asSpoolError(error, "flushSync", this.#live.current?.path ?? this.dir);
      this.#reporter.report(this.#lastError);
    }
    for (const source of [this.#live.source, ...this.#adopted]) source.acks.closeSync();
  }

  // ---- flusher ----

  #kickSoon(): void {
    this.#immediate ??= setImmediate(() => {
      this.#immediate = undefined;
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#pump || this.#state !== "active") return;
    this.#pump = this.#run().finally(() => {
      this.#pump = undefined;
      if (this.#state === "active" && this.#hasWork(false)) this.#kick();
    });
  }

  #syncDue(): boolean {
    return this.#o.syncIntervalMs === 0 || this.#closing || this.#o.now() - this.#lastSyncAt >= this.#o.syncIntervalMs;
  }

  #hasWork(includeUndueSync: boolean): boolean {
    const unsynced = this.#writtenSeq > this.#durability.durableSeq || this.#unsyncedAcks.size > 0;
    return this.#writable || this.#dirtyAcks.size > 0 || this.#retired.length > 0 || this.#sourcesToCheck || (unsynced && (includeUndueSync || this.#syncDue()));
  }

  async #run(): Promise<void> {
    try {
      while (this.#state === "active") {
        if (this.#writable) await this.#writeChunk();
        else if (this.#dirtyAcks.size) await this.#writeAcks();
        else if (this.#retired.length || this.#sourcesToCheck) await this.#deleteRetired();
        else if (this.#writtenSeq > this.#durability.durableSeq || this.#unsyncedAcks.size) {
          if (!this.#syncDue()) {
            this.#syncTimer ??= setTimeout(() => {
              this.#syncTimer = undefined;
              this.#kick();
            }, this.#o.syncIntervalMs - (this.#o.now() - this.#lastSyncAt)).unref();
            return;
          }
          await this.#sync();
        } else return;
      }
    } catch (error) {
      this.#fail(asSpoolError(error, "write", this.#live.current?.path ?? this.dir));
    }
  }

  /** Appended records the window lets the flusher write now. */
  get #writable(): boolean {
    return this.#pending.unwritten > 0 && this.#writtenSeq < this.#window.upTo;
  }

  async #writeChunk(): Promise<void> {
    const pending = this.#pending;
    pending.refill(this.#nextSeq);
    const seg = this.#live.current!;
    const from = pending.batchIndex;
    const baseSeq = pending.batchBaseSeq;
    const until = Math.min(pending.batchRecords, this.#window.upTo - baseSeq + 1);
    const chunk = this.#encoder.encode({ items: pending.batch, from, until, base: seg.size, segmentBytes: this.#o.segmentBytes, flushBytes: this.#o.flushBytes });
    pending.batchIndex = chunk.next;
    pending.passedDelivered(chunk.skipped);
    if (chunk.length) {
      this.#inflight = { buf: chunk.buf, length: chunk.length, at: seg.size, records: chunk.records, skipped: chunk.skipped, ends: chunk.ends, firstSeq: pending.batchBaseSeq + from };
      try {
        await writeFully(this.#o.fs, seg.fd!, chunk.buf, 0, chunk.length, seg.size);
      } catch (error) {
        this.#counters.unwrittenRecords += chunk.records;
        throw ioError("write", seg.path, error);
      } finally {
        this.#inflight = undefined;
      }
      if (this.#state !== "active") return; // flushSync() ran meanwhile
    }
    for (const reason of chunk.badReasons) this.#reporter.badRecord(reason);
    this.#live.commit(chunk, pending.batchBaseSeq + from);
    this.#written(chunk.records, chunk.length, pending.batchBaseSeq + chunk.next - 1, chunk.skipped);
    this.#budget.wrote(chunk.largestRecord);
    this.#appendsLeft = this.#budget.appendsLeft();
    if (chunk.rotate) await this.#rotate();
  }

  /** Records up to `lastSeq` are in the current segment (committed): count them and apply their early acks. */
  #written(records: number, bytes: number, lastSeq: number, skipped: number): void {
    this.#counters.deliveredUnwritten += skipped;
    this.#outstanding += records;
    this.#counters.written += records;
    this.#counters.bytesOnDisk += bytes;
    this.#writtenSeq = lastSeq;
    if (this.#earlyAcks.size) this.#earlyAcks.takeUpTo(lastSeq, (first, last) => this.#ackRun(first, last));
  }

  async #sync(): Promise<void> {
    const upTo = this.#writtenSeq;
    const seg = this.#live.current;
    if (upTo > this.#durability.durableSeq && seg?.fd !== undefined) {
      try {
        await this.#o.fs.fdatasync(seg.fd);
      } catch (error) {
        throw ioError("fdatasync", seg.path, error);
      }
    }
    const logs = [...this.#unsyncedAcks];
    this.#unsyncedAcks.clear();
    for (const log of logs) await log.sync();
    this.#lastSyncAt = this.#o.now();
    this.#durability.markDurable(upTo);
  }

  async #rotate(): Promise<void> {
    const old = this.#live.current!;
    this.#counters.bytesOnDisk += await this.#live.open(this.#o.now());
    await this.#live.seal(old);
    this.#durability.markDurable(this.#writtenSeq); // everything written so far was in `old`, now synced
    if (old.deletable) this.#retired.push(old);
  }

  async #writeAcks(): Promise<void> {
    const logs = [...this.#dirtyAcks];
    this.#dirtyAcks.clear();
    this.#counters.bytesOnDisk += await writeAckLogs(logs, this.#unsyncedAcks, { log: this.#live.source.acks, overBytes: this.#o.acksCompactBytes, entries: () => this.#live.ackEntries(), dir: this.dir });
  }

  async #deleteRetired(): Promise<void> {
    const retired = this.#retired;
    this.#retired = [];
    this.#sourcesToCheck = false;
    this.#counters.bytesOnDisk -= await deleteRetired(this.#o.fs, retired, this.#live, this.#adopted, (error) => this.#reporter.report(error));
  }

  // ---- acks, failures ----

  #ackOne(ref: RecordRef): void {
    if (typeof ref !== "number") return this.#markAcked(ref.segment, ref.start, ref.end);
    if (ref > this.#writtenSeq) {
      // Delivered before the flusher reached it: an event then gets no bytes at all (write-window.ts).
      if (ref < this.#nextSeq && !this.#durability.isLost(ref) && !this.#pending.forget(ref, this.#nextSeq)) this.#earlyAcks.add(ref);
      return;
    }
    const at = this.#live.locate(ref);
    if (at && at.end > at.start) this.#markAcked(at.seg, at.start, at.end); // an empty range: never written (delivered first)
    this.#live.settle(ref, 1); // acknowledged: its offsets are not needed again
  }

  #ackRun(from: number, to: number): void {
    ackRun(from, to, { locateRun: (seq, last) => this.#live.locateRun(seq, last), ackOne: (ref) => this.#ackOne(ref), ackRange: (seg, start, end, n) => this.#markAcked(seg, start, end, n), settle: (seq, n) => this.#live.settle(seq, n) });
  }

  /** `records` > 1: a run none of which is acknowledged yet (see ack-runs.ts). */
  #markAcked(seg: SegmentState, start: number, end: number, records = 1): void {
    if (seg.deleted) return;
    if (records > 1) seg.markAckedRun(start, end, records);
    else if (!seg.markAcked(start, end)) return;
    this.#counters.acked += records;
    this.#outstanding -= records;
    this.#dirtyAcks.add(seg.source.acks);
    if (seg.deletable) this.#retired.push(seg);
  }

  #fail(error: SpoolError): void {
    if (this.#state !== "active") return;
    this.#state = "fallback";
    this.#counters.fallbacks++;
    this.#lastError = error;
    this.#reporter.report(error);
    this.#counters.unwrittenRecords += this.#pending.unwritten - this.#pending.delivered; // delivered ones need no copy
    // Not durable, and never will be: `whenDurable` must reject for these even after a retry succeeds.
    this.#durability.markLost(this.#durability.durableSeq + 1, this.#nextSeq, error);
    this.#pending.clear();
    this.#earlyAcks.clear();
    this.#clearTimers();
    const seg = this.#live.current;
    this.#live.current = undefined;
    this.#retry.failed(seg); // cut back to its committed records, then closed
    if (seg) {
      seg.sealed = true;
      if (seg.deletable) this.#retired.push(seg);
    }
  }

  /**
   * In fallback, tries the disk again (a fresh segment) once `retryMs` passed since the failure;
   * appends call it, and so may an owner that stopped appending because the spool failed (the
   * bridge's readiness check), so that it is not left in fallback for good. No-op otherwise.
   */
  probeDisk(): void {
    if (this.#state !== "fallback" || this.#closing || !this.#retry.due) return;
    this.#retry
      .run(async () => {
        await this.#freeRoom();
        await this.#prepareDisk();
        this.#state = "active";
        this.#writtenSeq = this.#nextSeq - 1; // everything before is written or lost
        this.#durability.markDurable(this.#writtenSeq);
        this.#kick();
      })
      .catch((error: unknown) => (this.#lastError = asSpoolError(error, "retry", this.dir)));
  }

  /**
   * In fallback the flusher stops, and with it the deletion of acknowledged segments: done here,
   * before anything that needs room. On a disk smaller than a segment, the segment the failure
   * gave up is the only room there is (review 14, F3). It must be closed first (`cutBack`).
   */
  async #freeRoom(): Promise<void> {
    await this.#retry.cutBack;
    await this.#deleteRetired();
  }

  async #prepareDisk(): Promise<void> {
    if (!this.#dirReady) {
      await ensureFormat(this.#o.fs, this.#o.dir, this.#o.host);
      this.#liveSocket = await createWriterDir(this.#o.fs, this.#o.dir, this.name, this.#me);
      this.#dirReady = true;
    }
    this.#counters.bytesOnDisk += await this.#live.open(this.#o.now());
  }

  #clearTimers(): void {
    this.#window.stop();
    clearTimeout(this.#syncTimer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#syncTimer = this.#immediate = undefined;
  }

  get #host(): BacklogHost {
    return {
      fs: this.#o.fs, spoolDir: this.#o.dir, counters: this.#counters, // where and what it counts into
      report: (error) => this.#reporter.report(error),
      outstanding: (records) => (this.#outstanding += records),
      retire: (seg) => {
        this.#retired.push(seg);
        this.#kickSoon();
      },
    };
  }
}
