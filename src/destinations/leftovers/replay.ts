/**
 * Replays what dead processes left in a spool: reads the adopted records oldest first, groups
 * them per experiment, sends them in batches (keys derived from the record ids, so a repeat is
 * the same request), acknowledges each batch once Syvain accepted it (or refused it for good),
 * then settles each experiment's status: a final status is sent; a run still `running` when its
 * process died is marked `failed`, with an annotation saying how much was recovered.
 *
 * An experiment not created yet is created as its creation record says: get-or-create when the
 * record has no policy (the exporters, the bridge, older records), else with the run's own policy
 * and key (`collector.experiment()` deferred or offline). A `create` whose slug another run holds
 * never adds to that run's experiment: the run's records are kept aside (`keeper`: copied to the
 * kept runs' folder, then acknowledged here) or, replaying that folder itself, left as they are
 * (`keptRuns` says which). `rename` (`sync --rename`) replays only the runs it names, under their
 * new slug.
 */
import type { AnnotationEvent, MetricEvent } from "../../api/contract.ts";
import { SyvainError } from "../../api/errors.ts";
import type { SyvainClient } from "../../client/client-types.ts";
import { retryDelay, sleep } from "../../client/retry/index.ts";
import { createRestSink } from "../../delivery/rest-sink.ts";
import type { Batch, DeliverySink } from "../../delivery/delivery-types.ts";
import { decodeRecord, isFinalStatus, RecordType, type CreateRecord, type StatusRecord } from "../../delivery/journal/spool-records.ts";
import type { RecordRef, Spool } from "../../delivery/spool/index.ts";
import { restDestination } from "../rest-destination.ts";
import { isSlugTaken, type ExperimentSpec } from "../destination.ts";
import { zeroCounts, type LeftoverCounts } from "./replay-counts.ts";
import { replayKey } from "./replay-key.ts";
import { recoveryAnnotation } from "./recovery-annotation.ts";
import type { ConflictKeeper } from "./conflict-keeper.ts";
import type { RenameTarget } from "./rename-targets.ts";

const REFUSED_FOR_GOOD: ReadonlySet<string> = new Set(["validation"]);

export interface ReplayOptions {
  /** Stops the replay (what is not delivered stays on disk). */
  signal?: AbortSignal;
  /** Called after every delivered batch with the counts so far and how far through the adopted bytes the replay has read. */
  onProgress?: (counts: LeftoverCounts, bytes: ReplayBytes) => void;
  /** Attempts per batch on retryable failures before the replay stops. @default 5 */
  maxAttempts?: number;
  /** @default 500 */
  maxBatchItems?: number;
  /**
   * Events delivered per experiment by earlier replays of the same spool that gave up before its
   * status was settled; updated as this one delivers, so a crashed run's recovery note counts them all.
   */
  recovered?: Map<string, Recovered>;
  /**
   * Where a run whose `create` finds its slug taken is kept (copied, then acknowledged here).
   * Absent: its records are left unacknowledged where they are (the replay of the kept runs).
   */
  keeper?: ConflictKeeper;
  /**
   * Only the runs this names are replayed, each under its new slug with its own `create` key
   * (`sync --rename`, `rename-targets.ts`); the others' records are left as they are. Absent: all runs, as written.
   */
  rename?: (slug: string, creationKey: string | undefined) => RenameTarget | undefined;
  /** A renamed run's experiment exists (created, or found to be its own): `rename-targets.ts` keeps its id. */
  renamed?: (target: RenameTarget, experimentId: string) => void;
}

/**
 * A replay's progress: the spool's event total is unknown until every segment is read, but its
 * bytes are known at adoption. Lifetime figures of the spool (a later round counts on from the last).
 */
export interface ReplayBytes {
  read: number;
  total: number;
}

/** Events of one experiment delivered by replays so far. */
export interface Recovered {
  metrics: number;
  annotations: number;
}

interface Pending<T> {
  items: T[];
  refs: RecordRef[];
}

interface ExperimentLeftovers {
  /** The slug its records name (`x`). */
  slug: string;
  id: string | null;
  /** The key of its deferred creation (`k`), when its records carry one. */
  key: string | undefined;
  /** `sync --rename`: the slug and `create` key it is delivered under instead. */
  target: RenameTarget | undefined;
  /** Not one `rename` names: its records are left as they are. */
  passedOver: boolean;
  /** Its `create` found the slug taken by another run: its records are kept aside, not sent. */
  refused: SyvainError | undefined;
  kept: number;
  create: CreateRecord | undefined;
  createRefs: RecordRef[];
  sink: Promise<DeliverySink> | undefined;
  metrics: Pending<MetricEvent>;
  annotations: Pending<AnnotationEvent>;
  statuses: { record: StatusRecord; ref: RecordRef }[];
  recovered: Recovered;
}

/** A run whose records were kept, not sent: the slug it was to be created under belongs to another run's experiment. */
export interface KeptRun {
  /** The slug its records name. */
  slug: string;
  /** `sync --rename`: the new slug, also taken. */
  renamedTo: string | undefined;
  /** Its events kept (0: only its creation record was left). */
  events: number;
  reason: SyvainError;
}

/** The outcome of a replay that stopped early carries the reason. */
export interface ReplayResult extends LeftoverCounts {
  /** Why delivery stopped before the end (`undefined`: everything readable was settled). */
  stoppedBy: SyvainError | undefined;
  keptRuns: KeptRun[];
}

export async function replaySpool(spool: Spool, client: SyvainClient, options: ReplayOptions = {}): Promise<ReplayResult> {
  return new Replay(spool, client, options).run();
}

class Replay {
  readonly #spool: Spool;
  readonly #client: SyvainClient;
  readonly #o: Required<Pick<ReplayOptions, "maxAttempts" | "maxBatchItems">> & ReplayOptions;
  readonly #experiments = new Map<string, ExperimentLeftovers>();
  readonly counts = zeroCounts();

  constructor(spool: Spool, client: SyvainClient, options: ReplayOptions) {
    this.#spool = spool;
    this.#client = client;
    this.#o = { maxAttempts: 5, maxBatchItems: 500, ...options };
  }

  async run(): Promise<ReplayResult> {
    let stoppedBy: SyvainError | undefined;
    try {
      for await (const record of this.#spool.backlog()) {
        this.#o.signal?.throwIfAborted();
        const decoded = decodeRecord(record.type, record.payload);
        if (decoded === undefined) {
          this.counts.skipped++;
          continue;
        }
        const exp = this.#experiment(decoded.body.x, decoded.body.i, decoded.body.k);
        if (exp.passedOver) continue;
        switch (decoded.type) {
          case RecordType.create:
            exp.create = decoded.body;
            exp.createRefs.push(record.ref);
            break;
          case RecordType.metric:
            exp.metrics.items.push(decoded.body.e);
            exp.metrics.refs.push(record.ref);
            if (exp.metrics.items.length >= this.#o.maxBatchItems) await this.#sendEvents(exp, "metric");
            break;
          case RecordType.annotation:
            exp.annotations.items.push(decoded.body.e);
            exp.annotations.refs.push(record.ref);
            if (exp.annotations.items.length >= this.#o.maxBatchItems) await this.#sendEvents(exp, "annotation");
            break;
          case RecordType.status:
            exp.statuses.push({ record: decoded.body, ref: record.ref });
            break;
        }
      }
      for (const exp of this.#experiments.values()) {
        // A creation record alone (its events were delivered, the ack of the creation died with its
        // process) still gets its experiment made sure of, and acknowledged: else it stays forever.
        if (exp.createRefs.length > 0) await this.#sink(exp);
        await this.#sendEvents(exp, "metric");
        await this.#sendEvents(exp, "annotation");
        await this.#settleStatus(exp);
      }
    } catch (error) {
      stoppedBy = asStop(error);
      this.counts.remaining = this.#unsent();
    }
    try {
      // Kept runs' records leave this spool only once their copies are durable.
      if (this.#o.keeper) this.#spool.ack(await this.#o.keeper.settle());
    } catch (error) {
      stoppedBy ??= asStop(error);
    }
    const keptRuns = [...this.#experiments.values()].flatMap((exp) => (exp.refused ? [{ slug: exp.slug, renamedTo: exp.target?.slug, events: exp.kept, reason: exp.refused }] : []));
    return { ...this.counts, stoppedBy, keptRuns };
  }

  #progress(): void {
    if (this.#o.onProgress === undefined) return;
    const stats = this.#spool.stats();
    this.#o.onProgress({ ...this.counts }, { read: stats.backlogBytesRead, total: stats.backlogBytes });
  }

  #experiment(slug: string, id: string | null, creationKey: string | undefined): ExperimentLeftovers {
    const key = experimentKey(slug, id, creationKey);
    let exp = this.#experiments.get(key);
    if (exp === undefined) {
      const recovered = this.#o.recovered?.get(key) ?? { metrics: 0, annotations: 0 };
      this.#o.recovered?.set(key, recovered);
      const target = this.#o.rename?.(slug, creationKey);
      exp = {
        slug,
        id,
        key: creationKey,
        target,
        passedOver: this.#o.rename !== undefined && target === undefined,
        refused: undefined,
        kept: 0,
        create: undefined,
        createRefs: [],
        sink: undefined,
        metrics: { items: [], refs: [] },
        annotations: { items: [], refs: [] },
        statuses: [],
        recovered,
      };
      this.#experiments.set(key, exp);
      if (!exp.passedOver) this.counts.experiments++;
    }
    return exp;
  }

  #unsent(): number {
    let n = 0;
    for (const exp of this.#experiments.values()) n += exp.metrics.items.length + exp.annotations.items.length + exp.statuses.length;
    return n;
  }

  /**
   * The experiment's sink; an experiment not created yet is created (or found: a replay may repeat)
   * first. `undefined`: its `create` found the slug taken by another run (its records are kept aside).
   */
  async #sink(exp: ExperimentLeftovers): Promise<DeliverySink | undefined> {
    exp.sink ??= this.#resolveSink(exp);
    let sink: DeliverySink | undefined;
    try {
      sink = await exp.sink;
    } catch (error) {
      if (!isSlugTaken(error)) throw error;
      exp.refused = error;
    }
    // The experiment exists: its creation records (several if several processes deferred it) can go.
    // Else the creation goes with the kept run: a rename needs its spec.
    if (exp.createRefs.length > 0 && sink !== undefined) this.#spool.ack(exp.createRefs.splice(0));
    else if (exp.createRefs.length > 0) await this.#keep(exp, exp.create ? [{ type: RecordType.create, body: exp.create }] : [], exp.createRefs.splice(0), 0);
    return sink;
  }

  async #resolveSink(exp: ExperimentLeftovers): Promise<DeliverySink> {
    if (exp.id !== null) return createRestSink({ client: this.#client, experimentId: exp.id });
    const { spec, policy, key } = creationOf(exp, exp.target);
    // For a key that carries no time (an offline run's): this replay's first attempt. Strictly after
    // it: an experiment created in the same millisecond may be another run's (two runs of one slug in
    // one replay), and a false conflict keeps the run aside while a false match would mix two runs.
    const attemptsSince = Date.now() + 1;
    const provisioned = await this.#withRetries(() => restDestination(this.#client).provision(spec, policy, this.#o.signal, key, attemptsSince));
    if (exp.target !== undefined) this.#o.renamed?.(exp.target, provisioned.id);
    return provisioned.sink;
  }

  async #sendEvents(exp: ExperimentLeftovers, kind: "metric" | "annotation"): Promise<void> {
    const pending = kind === "metric" ? exp.metrics : exp.annotations;
    if (pending.items.length === 0) return;
    const sink = await this.#sink(exp);
    if (sink === undefined) {
      const type = kind === "metric" ? RecordType.metric : RecordType.annotation;
      const n = pending.items.length;
      return this.#keep(exp, pending.items.map((e) => ({ type, body: { ...this.#ref(exp), e } })), pending.refs.splice(0), n, () => (pending.items = []));
    }
    const ids = pending.items.map((e) => e.client_event_id);
    const batch = { kind, items: pending.items, idempotencyKey: replayKey(kind, deliveredSlug(exp), ids) } as Batch;
    const n = pending.items.length;
    try {
      const result = await this.#withRetries(() => sink.deliver(batch, this.#o.signal));
      this.counts[kind === "metric" ? "metrics" : "annotations"] += n;
      this.counts.duplicates += Math.min(n, result.duplicates);
      if (kind === "metric") exp.recovered.metrics += n;
      else exp.recovered.annotations += n;
    } catch (error) {
      // Only a refusal of the events themselves settles them; auth, a missing experiment... stop the
      // replay and leave them on disk (another key or host may be the right one).
      if (!(error instanceof SyvainError) || !REFUSED_FOR_GOOD.has(error.code) || this.#o.signal?.aborted === true) throw error;
      this.counts.failed += n; // refused for good: recorded as failed, never resent
    }
    this.#spool.ack(pending.refs.splice(0));
    pending.items = [];
    this.#progress();
  }

  async #settleStatus(exp: ExperimentLeftovers): Promise<void> {
    const last = exp.statuses.at(-1);
    if (last === undefined) return;
    const sink = await this.#sink(exp);
    // Another run's experiment: neither its status nor a crash note of this run; kept with the run.
    if (sink === undefined) {
      const statuses = exp.statuses.splice(0);
      return this.#keep(exp, statuses.map((s) => ({ type: RecordType.status, body: s.record })), statuses.map((s) => s.ref), 0);
    }
    const deliver = (batch: Batch): Promise<unknown> => this.#withRetries(() => sink.deliver(batch, this.#o.signal));
    const slug = deliveredSlug(exp);
    if (isFinalStatus(last.record.s)) {
      await deliver({ kind: "status", status: last.record.s, idempotencyKey: replayKey("status", slug, [String(last.record.t)]) });
      this.counts.statusUpdates++;
    } else if (!(await this.#endedOnServer(exp))) {
      const note = recoveryAnnotation(slug, last.record, exp.recovered.metrics, exp.recovered.annotations);
      await deliver({ kind: "annotation", items: [note], idempotencyKey: replayKey("annotation", slug, [note.client_event_id]) });
      await deliver({ kind: "status", status: "failed", idempotencyKey: replayKey("status", slug, [note.client_event_id]) });
      this.counts.crashedRuns++;
      this.counts.statusUpdates++;
    }
    // Else the run did end (its final status reached Syvain but not the spool, or another process
    // ended it): a `running` record left on disk must never overwrite that, nor add a crash note.
    this.#spool.ack(exp.statuses.splice(0).map((s) => s.ref));
    // This crash is accounted for: a later one of the same experiment counts from zero.
    this.#o.recovered?.delete(experimentKey(exp.slug, exp.id, exp.key));
    this.#progress();
  }

  /**
   * Records of a run that cannot be delivered under its slug (another run's): copied to the keeper
   * (acknowledged here once durable, `run()`), or, without one, left unacknowledged where they are.
   * `events` of them are events (counted); `done` clears what the caller held.
   */
  async #keep(exp: ExperimentLeftovers, records: { type: number; body: object }[], refs: RecordRef[], events: number, done?: () => void): Promise<void> {
    await this.#o.keeper?.keep(records, refs);
    done?.();
    exp.kept += events;
    this.counts.kept += events;
    this.#progress();
  }

  /** What names the experiment in its records (`x`, `i`, `k`), for a kept copy. */
  #ref(exp: ExperimentLeftovers): { x: string; i: string | null; k?: string } {
    return { x: exp.slug, i: exp.id, ...(exp.key === undefined ? {} : { k: exp.key }) };
  }

  /** Whether Syvain already holds a final status (done/failed) for the experiment. */
  async #endedOnServer(exp: ExperimentLeftovers): Promise<boolean> {
    const signal = this.#o.signal;
    const current = await this.#withRetries(() => this.#client.getExperiment(exp.id ?? deliveredSlug(exp), signal ? { signal } : {}));
    return isFinalStatus(current.status);
  }

  /** Retries a retryable failure with backoff (and `Retry-After`), `maxAttempts` in all. */
  async #withRetries<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const retryable = error instanceof SyvainError && error.retryable;
        if (!retryable || attempt >= this.#o.maxAttempts || this.#o.signal?.aborted === true) throw error;
        await sleep(retryDelay(error, attempt - 1), this.#o.signal);
      }
    }
  }
}

/**
 * Offline records have no id; online ones of the same slug share the server's id; a deferred
 * `create`'s records carry its key, so two runs of one slug stay two experiments.
 */
function experimentKey(slug: string, id: string | null, creationKey: string | undefined): string {
  return `${slug}\0${id ?? ""}\0${creationKey ?? ""}`;
}

/**
 * How to create an experiment its records name by slug only. Without a policy (the exporters, the
 * bridge, offline runs, older records) and without a creation record (ours was acknowledged once
 * the experiment existed): get-or-create, as an earlier, interrupted sync may have created it.
 */
function creationOf(exp: ExperimentLeftovers, target: RenameTarget | undefined): { spec: ExperimentSpec; policy: "get-or-create" | "create" | "create-or-reuse"; key: string | undefined } {
  const record = exp.create;
  // Renamed: a new experiment of this run, its own `create` (a new slug another run holds is a conflict too).
  if (target !== undefined) return { spec: { ...(record?.spec ?? { metadata: {} }), slug: target.slug }, policy: "create", key: target.key };
  if (record === undefined) return { spec: { slug: exp.slug, metadata: {} }, policy: "get-or-create", key: undefined };
  return { spec: record.spec, policy: record.policy ?? "get-or-create", key: record.key };
}

/** The slug an experiment's events go to: its own, or the new one of a rename. */
function deliveredSlug(exp: ExperimentLeftovers): string {
  return exp.target?.slug ?? exp.slug;
}

function asStop(error: unknown): SyvainError {
  return error instanceof SyvainError ? error : new SyvainError("shutdown", `spool replay stopped: ${String(error)}`, { cause: error });
}
