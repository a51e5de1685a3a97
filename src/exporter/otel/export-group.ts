/**
 * One resource group of an export: find its experiment, then map and queue its chunks in order,
 * with a loop turn between chunks so the outbox sends full batches while the rest is mapped. A
 * group that fits in one chunk, to an experiment already known and with no earlier export still
 * queueing, runs synchronously. Groups to the same experiment queue in export order (`inOrder`).
 *
 * Failures match an unmapped-in-chunks export: a queue overflow is reported once all chunks are
 * queued (the total evicted); a creation failure or a shutdown stops queueing, but the remaining
 * chunks are still mapped so that `invalid` counts every rejected item; a mapping that throws
 * ends the group.
 */
import { setImmediate as nextLoopTurn } from "node:timers/promises";
import type { Resource } from "@opentelemetry/resources";
import type { SyvainError } from "../../api/errors.ts";
import { DropCounter, type DroppedPoints } from "../../mapping/drops.ts";
import { describeDrops } from "../../mapping/index.ts";
import type { ExperimentSpec } from "../../mapping/experiment.ts";
import { queueOverflowError, type Enqueue, type ExporterCore } from "./exporter-core.ts";
import { noteFailure, type SignalKind } from "./export-failures.ts";

export interface PreparedEvents {
  /** Events ready to queue. */
  count: number;
  /** Points / records the mapping rejected, by reason. */
  dropped: readonly DroppedPoints[];
  enqueue: Enqueue;
}

/** Maps one chunk (synchronous, no I/O). */
export type PrepareChunk = () => PreparedEvents;

export interface ExportGroup {
  resource: Resource;
  chunks(experiment: ExperimentSpec): readonly PrepareChunk[];
}

export interface GroupOutcome {
  /** Items of this group the mapping rejected (also added to `stats()[].invalid`). */
  invalid: number;
  failure: SyvainError | undefined;
}

export function runGroup(core: ExporterCore, kind: SignalKind, group: ExportGroup): GroupOutcome | Promise<GroupOutcome> {
  let experiment: ExperimentSpec;
  let chunks: readonly PrepareChunk[];
  try {
    experiment = core.specFor(group.resource);
    chunks = group.chunks(experiment);
  } catch (error) {
    return { invalid: 0, failure: noteFailure(core, kind, undefined, error) };
  }
  const { slug } = experiment;
  const drops = new DropCounter();
  let invalid = 0;
  let evicted = 0;
  let failure: SyvainError | undefined;
  const fail = (error: unknown): void => void (failure ??= noteFailure(core, kind, slug, error));

  const queue = (prepared: PreparedEvents): Promise<void> | undefined => {
    if (failure !== undefined || prepared.count === 0) return undefined;
    try {
      const queued = core.deliver(experiment, prepared.enqueue);
      if (typeof queued === "number") evicted += queued;
      else return queued.then((count) => void (evicted += count), fail);
    } catch (error) {
      fail(error);
    }
    return undefined;
  };

  const step = (index: number): Promise<void> | undefined => {
    let prepared: PreparedEvents;
    try {
      prepared = chunks[index]!();
    } catch (error) {
      fail(error);
      return undefined;
    }
    const rejected = countInvalid(core, kind, slug, prepared.dropped, drops);
    invalid += rejected;
    const wait = queue(prepared);
    if (index + 1 >= chunks.length) return wait;
    const next = (): Promise<void> => nextLoopTurn().then(() => step(index + 1));
    return wait === undefined ? next() : wait.then(next);
  };

  const finish = (): GroupOutcome => {
    const dropped = drops.list();
    if (dropped.length > 0) {
      core.warnings.lost(slug, `experiment ${JSON.stringify(slug)}: dropped ${invalid} invalid ${kind === "metrics" ? "points" : "log records"}: ${describeDrops(dropped)}`);
    }
    if (failure === undefined && evicted > 0) fail(queueOverflowError(slug, core.options.maxQueueItems, evicted));
    return { invalid, failure };
  };
  const done = core.inOrder(slug, () => step(0));
  return done === undefined ? finish() : done.then(finish);
}

/** Counts a chunk's rejected items at once (stats stay current while later chunks map). */
function countInvalid(core: ExporterCore, kind: SignalKind, slug: string, dropped: readonly DroppedPoints[], into: DropCounter): number {
  let count = 0;
  for (const drop of dropped) {
    count += drop.count;
    into.add(drop.reason, drop.metric, drop.example, drop.count);
  }
  if (count === 0) return 0;
  const counters = core.counters(slug);
  if (kind === "metrics") counters.invalidMetrics += count;
  else counters.invalidAnnotations += count;
  return count;
}
