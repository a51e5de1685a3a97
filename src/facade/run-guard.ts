/**
 * What guards a run's data beyond `metric()`: the best-effort flush (end of `run()`, of a
 * `running()` scope, of the process) and the process-hook registration that triggers it when the
 * process ends first. Registered from `start()` until a terminal status has been flushed.
 *
 * The exit safety net (`flushOnExit`) covers data no such flush has yet been asked for — a script
 * that queues points without `run()`/`start()` and simply ends: armed by the first thing queued
 * after the last flush (an exit-only registration: `beforeExit`, never signals or errors), it
 * flushes once when the event loop empties (or when only our uploads in flight hold it: the
 * registry's exit watchdog), leaving the status alone. A flush that leaves nothing
 * pending, a best-effort flush, `close()`, and `installHooks: false` (a supervisor owns exit) disarm it.
 */
import { DeliveryIncompleteError } from "../delivery/delivery-errors.ts";
import type { Outbox } from "../delivery/outbox.ts";
import { keptOnDiskNote } from "../delivery/kept-note.ts";
import type { FlushStatus } from "../delivery/delivery-types.ts";
import { deadlineIn, secondsUntil } from "../delivery/deadline.ts";
import { withViewUndelivered, type OtelView, type ViewUndelivered } from "./otel-view.ts";
import type { ProcessEnd, ProcessHooks } from "./process-hooks.ts";
import type { WarningSink } from "./warnings.ts";

const BEST_EFFORT_RETRIES = 3;

export interface RunGuardOptions {
  label: string;
  outbox: Outbox;
  otel: OtelView;
  hooks: ProcessHooks;
  warn: WarningSink;
  timeoutSeconds: number;
  /** Marks the experiment for this ending (the guard then flushes). */
  mark: (end: ProcessEnd) => void;
  /** The exit safety net (see above). @default true */
  flushOnExit?: boolean;
  /**
   * The process is ending and its flush is over: creations still waiting for Syvain are given up
   * (their events stay in the spool). An unanswered creation's request otherwise holds the event
   * loop, and the process, until its every attempt timed out (outside review 10: ~40 s).
   */
  abandonCreations?: () => void;
}

export class RunGuard {
  readonly #o: RunGuardOptions;
  #release: (() => void) | undefined;
  #disarm: (() => void) | undefined;
  /** False once `flushOnExit: false`, `installHooks: false` or `close()` ruled the net out. */
  #netAllowed: boolean;

  constructor(options: RunGuardOptions) {
    this.#o = options;
    this.#netAllowed = options.flushOnExit ?? true;
  }

  /** Something was queued: make sure the loop emptying flushes it. Cheap when already armed. */
  armExitFlush(): void {
    if (this.#disarm !== undefined || !this.#netAllowed) return;
    this.#disarm = this.#o.hooks.register(
      {
        deadlineMs: this.#o.timeoutSeconds * 1000,
        onProcessEnd: async (end) => {
          this.disarmExitFlush();
          // Only the loop emptying is ours (a registry from an older copy of this package in the
          // same process may not know exit-only participants and call us for a signal too).
          if (end.kind !== "exit") return;
          // The run's own hooks mark and flush this ending; one flush is enough.
          if (this.#release !== undefined) return;
          if (this.#o.otel.size === 0 && pendingItems(this.#o.outbox) === 0) return;
          await this.#flushViewThenOutbox("the event loop emptied (flushOnExit)");
          this.#o.abandonCreations?.();
        },
      },
      { exitOnly: true },
    );
  }

  disarmExitFlush(): void {
    const disarm = this.#disarm;
    this.#disarm = undefined;
    disarm?.();
  }

  /** After an explicit flush: nothing pending (now, synchronously), the OTel view's included, means nothing left to guard. */
  disarmIfDrained(): void {
    const view = this.#o.otel.undelivered();
    if (pendingItems(this.#o.outbox) === 0 && view.pendingMetrics + view.pendingAnnotations === 0) this.disarmExitFlush();
  }

  /** `installHooks: false` or `close()`: the net never arms again. */
  forbidExitFlush(): void {
    this.#netAllowed = false;
    this.disarmExitFlush();
  }

  /** Registers with the process hooks (once). */
  acquire(): void {
    this.#release ??= this.#o.hooks.register({
      deadlineMs: this.#o.timeoutSeconds * 1000,
      onProcessEnd: async (end) => {
        this.#o.mark(end);
        // A signal or an error ends the process right after: its report is `lossReport`, written
        // synchronously by the registry, not a warning that would print on a tick that never comes.
        await this.#endRun(endingName(end), end.kind === "exit");
        this.#o.abandonCreations?.();
      },
      lossReport: (end) => lossReport(this.#o.label, this.#o.outbox, endingName(end), this.#o.otel.undelivered()),
      persistSync: () => this.#o.outbox.persistSync(),
    });
  }

  /**
   * After `close()`: what it leaves undelivered, said once. Its returned status says it too, but a
   * script that ends with `await collector.close()` rarely reads it, and the loss was silent.
   */
  warnUndelivered(ending: string): void {
    const line = undeliveredLine(this.#o.label, this.#o.outbox, ending, this.#o.otel.undelivered());
    // A closed outbox retries nothing: without a spool, what it held is gone (the last error's "it may succeed on a retry" is not for this user).
    const lost = this.#o.outbox.spoolKeeping() === undefined ? "; no spool keeps them (spoolDir: false): they are lost" : "";
    if (line !== undefined) this.#o.warn(line + lost);
  }

  release(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  /** After a terminal status, a flush that delivered everything leaves nothing to guard. */
  releaseIfSettled(finished: boolean, status: FlushStatus): void {
    if (finished && status.ok) this.release();
  }

  /**
   * The end of a run block: the OTel providers' points first (they have their own outbox), so the
   * terminal status `mark` queues is the last thing the server receives, not followed by points
   * of the run it closes; then the best-effort flush, then no more hooks.
   */
  async finishRun(mark: () => void, context: string): Promise<void> {
    await this.#flushViewThenOutbox(context, { mark });
    this.release();
  }

  /** The process is ending: the status is already queued; the OTel points and the rest follow. */
  async #endRun(context: string, warns: boolean): Promise<void> {
    await this.#flushViewThenOutbox(context, { warns });
    this.release();
  }

  /**
   * The OTel view's providers, then `mark`, then the best-effort flush of the outbox, within one
   * deadline (`timeoutSeconds`): each had all of it, so during an outage the end of a run with a
   * view took twice exitFlushTimeoutSeconds.
   */
  async #flushViewThenOutbox(context: string, options: { mark?: () => void; warns?: boolean } = {}): Promise<void> {
    const deadline = deadlineIn(this.#o.timeoutSeconds);
    await this.#o.otel.flush(deadline);
    options.mark?.();
    await this.#bestEffortFlush(context, deadline, options.warns ?? true);
  }

  /** Never raises: the data stays queued and a warning says what is missing (the view's included). */
  async #bestEffortFlush(context: string, deadline: number, warns: boolean): Promise<void> {
    const { outbox, label, timeoutSeconds } = this.#o;
    const warn = warns ? this.#o.warn : () => undefined;
    // Everything queued so far gets this attempt (and its warning): the net waits for newer data,
    // so an unreachable server costs one exit deadline, not two.
    this.disarmExitFlush();
    if (outbox.isClosed) return;
    try {
      const flushed = await outbox.flush({ retries: BEST_EFFORT_RETRIES, timeoutSeconds: secondsUntil(deadline) ?? timeoutSeconds });
      const status = withViewUndelivered(flushed, this.#o.otel.undelivered());
      if (!status.ok) warn(`${new DeliveryIncompleteError(status, label).message} (best-effort flush after ${context})${keptOnDiskNote(outbox.spoolKeeping())}`);
    } catch (error) {
      warn(`${label}: best-effort flush after ${context} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function pendingItems(outbox: Outbox): number {
  const { metrics, annotations, statusUpdates } = outbox.stats();
  return metrics.pending + annotations.pending + statusUpdates.pending;
}

function endingName(end: ProcessEnd): string {
  return end.kind === "signal" ? end.signal : end.kind === "error" ? "an uncaught error" : "process exit";
}

/** `undeliveredLine` as the process-hook registry writes it to stderr itself (the process is ending). */
export function lossReport(label: string, outbox: Outbox, ending: string, view: ViewUndelivered): string | undefined {
  const line = undeliveredLine(label, outbox, ending, view);
  return line === undefined ? undefined : `SyvainDeliveryWarning: ${line}`;
}

/** One line: the experiment, what of each kind never reached the sink (its OTel view's included), the last error. */
function undeliveredLine(label: string, outbox: Outbox, ending: string, view: ViewUndelivered): string | undefined {
  const { metrics, annotations, statusUpdates, lastError } = outbox.stats();
  const kinds = [
    ["metrics", { pending: metrics.pending + view.pendingMetrics, failed: metrics.failed + view.failedMetrics, dropped: metrics.dropped + view.droppedMetrics }],
    ["annotations", { pending: annotations.pending + view.pendingAnnotations, failed: annotations.failed + view.failedAnnotations, dropped: annotations.dropped + view.droppedAnnotations }],
    ["status updates", statusUpdates],
  ] as const;
  const parts = kinds.flatMap(([name, counts]) => {
    const lost = counts.pending + counts.failed + counts.dropped;
    if (lost === 0) return [];
    const detail = (["pending", "failed", "dropped"] as const).filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${k}`);
    return [`${lost} ${name} (${detail.join(", ")})`];
  });
  if (parts.length === 0) return undefined;
  const error = lastError ?? view.lastError;
  const last = error === undefined ? "" : `; last error: ${error.message}`;
  return `${label} not delivered at ${ending}: ${parts.join(", ")}${last}${keptOnDiskNote(outbox.spoolKeeping())}`;
}
