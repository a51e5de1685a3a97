/**
 * Experiments left idle are released: each holds an outbox (queues, counters, timers, a sink and
 * its connection state, a spool journal), some 20 KB of heap and far more RSS, and a bridge sees a
 * new experiment per training run: kept for ever, 3,000 runs held ~390 MB of RSS outside
 * `--max-memory-bytes` (an outside review). An experiment is released only when letting it go
 * loses nothing and changes nothing its next export could notice:
 *
 * - nothing queued or in flight (every event and status settled: accepted, or given up and
 *   counted; with a spool, acknowledged, or kept on disk on purpose for a later process), and no
 *   export of it still mapping or waiting (the core's per-slug tail);
 * - its creation done (a deferred one still owes Syvain the experiment, and its spool record);
 * - not used for `experimentIdleSeconds`.
 *
 * Its next export gets it again through the registry's get-or-create (idempotent by slug: the same
 * experiment, under the same creation key), with a new outbox and journal. Event ids do not depend
 * on the outbox (`mapping/event-id.ts`), so a point exported again after a release is still a
 * duplicate to Syvain. Only its lifetime counts are kept (a few hundred bytes), so `stats()` and
 * the bridge's totals carry on across releases.
 */
import type { OutboxKindStats, OutboxStats } from "../../delivery/delivery-types.ts";
import type { Outbox } from "../../delivery/outbox.ts";

/** What an experiment's released outboxes counted, added to its next outbox's counts. */
export interface ReleasedExperiment {
  experimentId: string;
  stats: OutboxStats;
}

/** The entry fields the idle check reads. */
export interface IdleCandidate {
  experimentId: string | undefined;
  outbox: Outbox;
  /** When an export last resolved the entry (ms since epoch). */
  lastUsed: number;
}

/** True when releasing the entry loses nothing (see above); `busy`: an export of it is still in progress. */
export function isReleasable(entry: IdleCandidate, now: number, idleMs: number, busy: boolean): boolean {
  if (busy || entry.experimentId === undefined || entry.outbox.isClosed || now - entry.lastUsed < idleMs) return false;
  const { metrics, annotations, statusUpdates } = entry.outbox.stats();
  return metrics.pending + annotations.pending + statusUpdates.pending === 0;
}

/** Counts of an experiment over its released outboxes (`earlier`) and its current one. */
export function withEarlier(current: OutboxStats, earlier: OutboxStats | undefined): OutboxStats {
  if (earlier === undefined) return current;
  return {
    metrics: addKind(earlier.metrics, current.metrics),
    annotations: addKind(earlier.annotations, current.annotations),
    statusUpdates: addKind(earlier.statusUpdates, current.statusUpdates),
    lastError: current.lastError ?? earlier.lastError,
  };
}

function addKind(a: OutboxKindStats, b: OutboxKindStats): OutboxKindStats {
  return {
    enqueued: a.enqueued + b.enqueued,
    accepted: a.accepted + b.accepted,
    duplicates: a.duplicates + b.duplicates,
    pending: a.pending + b.pending,
    failed: a.failed + b.failed,
    dropped: a.dropped + b.dropped,
  };
}

/**
 * Runs `sweep` every half of the idle time (at most every 30 s), so an experiment is released
 * between `idleSeconds` and 1.5 × `idleSeconds` after its last use. Unref'd: it never holds a
 * process open. `undefined` when nothing is ever released (`null`).
 */
export function startIdleSweep(idleSeconds: number | null, sweep: (idleMs: number) => void): { stop(): void } | undefined {
  if (idleSeconds === null) return undefined;
  const idleMs = idleSeconds * 1000;
  const timer = setInterval(() => sweep(idleMs), Math.max(1, Math.min(idleMs / 2, 30_000)));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
