/**
 * The one step between a decoded request and its answer: the sender gets 200 only once
 * `accept()` resolves, so what a 200 promises is decided here and nowhere else.
 *
 * - `memoryIntake`: "the exporters' in-memory queues took the data" (for a new experiment, once it
 *   exists). A 200 survives a slow Syvain but not the process dying.
 * - `writtenIntake` (a JSONL file): the events are written to the file and fsynced. A 200 survives
 *   kill -9 and power loss; nothing else holds them, so the file is the promise.
 * - `durableIntake`: the events were also appended to the spool and fdatasync'd (group-committed
 *   across concurrent requests). A 200 survives kill -9 and power loss; the next bridge on the same
 *   spool delivers what this one could not. A spool that is full or cannot write answers 503.
 *
 * The shutdown path reads `durable` to tell "left on disk" from "lost".
 */
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { outboxPressure } from "../exporter/otel/exporter-stats.ts";
import type { BridgeExporters } from "./bridge-options.ts";
import { refusedAppends, type BridgeSpool } from "./bridge-spool.ts";
import type { SpoolStats } from "../delivery/spool/index.ts";
import type { ExportCall } from "./export-calls.ts";
import { deadlineIn } from "../delivery/deadline.ts";

export interface BridgeIntake {
  /** True when accepted data survives the process (a spool): pending data at exit is then not lost. */
  readonly durable: boolean;
  /** Why new data must wait now (503 + Retry-After; `/readyz` answers 503 too), or `undefined`. */
  pressure(): string | undefined;
  /** Why `/readyz` answers 503: `pressure()`, or a failing disk (whose requests still try it). */
  notReady(): string | undefined;
  /** Hands the calls over; resolves with one result per call once what a 200 promises holds. */
  accept(calls: readonly ExportCall[]): Promise<ExportResult[]>;
}

export function memoryIntake(exporters: BridgeExporters): BridgeIntake {
  return {
    durable: false,
    pressure: () => deliveryPressure(exporters),
    notReady: () => deliveryPressure(exporters),
    accept: (calls) => Promise.all(calls.map((call) => call.run(exporters))),
  };
}

/**
 * A JSONL file as the destination: the answer waits until every event queued so far (this
 * request's included) is written to the file and fsynced, the file being the only record. The
 * outboxes' batch timer would write them later; a process killed meanwhile lost events answered 200.
 * A file that cannot take them within the answer deadline (a full disk) gets the sender a 503.
 */
export function writtenIntake(exporters: BridgeExporters, written: (deadline: number) => Promise<boolean>, answerTimeoutSeconds: number): BridgeIntake {
  return {
    durable: true,
    pressure: () => deliveryPressure(exporters),
    notReady: () => deliveryPressure(exporters),
    async accept(calls) {
      const results = await Promise.all(calls.map((call) => call.run(exporters)));
      if (await written(deadlineIn(answerTimeoutSeconds))) return results;
      return notKept(results, "the JSONL file did not take this request's lines in time (see the bridge log); retry later");
    },
  };
}

/**
 * Events go through the usual exporters and outboxes, whose journals append them to the spool
 * (and acknowledge them once delivered); the answer then waits until everything appended so far is
 * durable. Syvain being down is no reason to refuse here: the data is on disk, and experiments that
 * do not exist yet are created when Syvain is back. Memory stays bounded by the queues (503 from
 * 80 % full, as memory-only) and the bridge's memory budget.
 */
export function durableIntake(exporters: BridgeExporters, spool: BridgeSpool, maxQueueItems: number | undefined): BridgeIntake {
  const pressure = (): string | undefined => spool.refusal() ?? queuePressure(exporters, maxQueueItems);
  return {
    durable: true,
    pressure,
    // Requests are not refused up front for a failed disk: each append retries it when due.
    notReady: () => pressure() ?? spool.failing(),
    async accept(calls) {
      const before = spool.spool.stats();
      const results = await Promise.all(calls.map((call) => call.run(exporters)));
      const failure = await durabilityFailure(spool, before);
      if (failure === undefined) return results;
      // Queued in memory but not on disk: a 503 lets the sender keep its copy. The queued events are
      // still delivered (not pulled back): the resend carries the same deterministic ids, so Syvain
      // stores each point once (docs/bridge-operations.md, "Full or failing disk").
      return notKept(results, failure);
    },
  };
}

/** Queued, but not kept as a 200 promises: a 503 lets the sender keep its copy (what is queued is still delivered). */
function notKept(results: ExportResult[], reason: string): ExportResult[] {
  const error = new Error(reason);
  return results.map((result) => (result.code === ExportResultCode.SUCCESS ? { code: ExportResultCode.FAILED, error } : result));
}

/** A queue nearly full (as memory-only, but Syvain being down is no reason by itself), or `undefined`. */
function queuePressure(exporters: BridgeExporters, maxQueueItems: number | undefined): string | undefined {
  if (maxQueueItems === undefined) return undefined;
  for (const experiment of exporters.stats()) {
    const reason = outboxPressure(experiment.slug, experiment, maxQueueItems, undefined);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** Why the events appended for a request are not all durable, or `undefined` once they are. */
async function durabilityFailure(spool: BridgeSpool, before: SpoolStats): Promise<string | undefined> {
  try {
    await spool.spool.whenDurable();
  } catch (error) {
    return `the spool could not write this request (${(error as Error).message}); retry later`;
  }
  // Conservative: a refusal by any request in the same window turns this one away too.
  // Refused for room: the spool is full, though what it wrote may leave room for a few records.
  const now = spool.spool.stats();
  if (refusedAppends(now) > refusedAppends(before)) return spool.refusal(now.refusedFull > before.refusedFull) ?? `the spool refused events (${spool.spool.lastError?.message ?? "see the bridge log"}); retry later`;
  return undefined;
}

/**
 * Why new data should wait, or `undefined`: an outbox nearly full, or events waiting while
 * Syvain fails. A failed experiment *creation* alone does not hold data back: the export retries
 * the creation and answers 503 itself if it fails again, whereas refusing up front would never
 * let the creation be tried again. (`/readyz` follows the same rule, for the same reason: an
 * orchestrator that stopped routing traffic would never let the creation be retried.)
 */
export function deliveryPressure(exporters: BridgeExporters): string | undefined {
  if (!exporters.isBackpressured()) return undefined;
  const stats = exporters.stats();
  const creationFailures = stats.filter((s) => s.experimentId === undefined && s.lastError?.retryable === true).length;
  // health() gives one reason per failed creation plus one per pressured outbox.
  const { reasons } = exporters.health();
  return reasons.length > creationFailures ? reasons.join("; ") : undefined;
}
