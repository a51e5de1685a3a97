/** Test doubles for facade tests: a sink that records what it receives, and a fake `process` for the hooks. */
import { EventEmitter } from "node:events";
import type { Batch, DeliverySink } from "../../src/delivery/delivery-types.ts";
import type { IngestResult } from "../../src/api/contract.ts";
import { SyvainError } from "../../src/api/errors.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { Experiment } from "../../src/facade/experiment.ts";
import { ProcessHooks, type HookableProcess } from "../../src/facade/process-hooks.ts";

export class RecordingSink implements DeliverySink {
  readonly batches: Batch[] = [];
  /** When set, `deliver` rejects with this error instead of recording. */
  failWith: Error | undefined;
  closed = false;
  /** Every `deliver` call, failed ones included. */
  attempts = 0;

  deliver(batch: Batch): Promise<IngestResult> {
    this.attempts++;
    if (this.failWith) return Promise.reject(this.failWith);
    this.batches.push(batch);
    const accepted = batch.kind === "status" ? 1 : batch.items.length;
    return Promise.resolve({ accepted, duplicates: 0 });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  get metrics() {
    return this.batches.flatMap((b) => (b.kind === "metric" ? b.items : []));
  }

  get annotations() {
    return this.batches.flatMap((b) => (b.kind === "annotation" ? b.items : []));
  }

  get statuses() {
    return this.batches.flatMap((b) => (b.kind === "status" ? [b.status] : []));
  }

  /** Kinds in delivery order, consecutive repeats folded: shows statuses are ordered with events. */
  get sequence(): string[] {
    const out: string[] = [];
    for (const b of this.batches) {
      const label = b.kind === "status" ? `status:${b.status}` : b.kind;
      if (out.at(-1) !== label) out.push(label);
    }
    return out;
  }
}

/** Syvain that accepts the connection and never answers: each request waits until it is aborted. */
export class HangingSink extends RecordingSink {
  /** The kind of every batch sent (into the silence). */
  readonly kinds: string[] = [];

  override deliver(batch: Batch, signal?: AbortSignal): Promise<IngestResult> {
    this.attempts++;
    this.kinds.push(batch.kind);
    return new Promise((_, reject) => {
      signal?.addEventListener("abort", () => reject(new SyvainError("timeout", "aborted", { retryable: true })), { once: true });
    });
  }
}

export class FakeProcess extends EventEmitter implements HookableProcess {
  readonly pid = 4242;
  exitCode: number | undefined;
  readonly kills: { pid: number; signal: string }[] = [];

  kill(pid: number, signal: string): boolean {
    this.kills.push({ pid, signal });
    return true;
  }
}

export interface TestExperiment {
  experiment: Experiment;
  sink: RecordingSink;
  warnings: string[];
  hooks: ProcessHooks;
  fakeProcess: FakeProcess;
}

export interface TestExperimentOptions {
  slug?: string;
  exitFlushTimeoutSeconds?: number;
  flushOnExit?: boolean;
  now?: () => number;
  sink?: RecordingSink;
  /** Another process-hook registry over the fake process (default: a current `ProcessHooks`). */
  hooks?: (target: FakeProcess, rethrow: (error: unknown) => void) => ProcessHooks;
}

export function testExperiment(options: TestExperimentOptions = {}): TestExperiment {
  const sink = options.sink ?? new RecordingSink();
  const warnings: string[] = [];
  const fakeProcess = new FakeProcess();
  const rethrown: unknown[] = [];
  const rethrow = (error: unknown): void => void rethrown.push(error);
  const hooks = options.hooks?.(fakeProcess, rethrow) ?? new ProcessHooks({ target: fakeProcess, rethrow });
  const slug = options.slug ?? "unit-run";
  const outbox = new Outbox({ sink, label: `experiment "${slug}"`, flushDelaySeconds: 0.01, onWarning: (m) => warnings.push(m) });
  const experiment = new Experiment({
    record: { id: "exp-1", slug, description: null, folder_id: null, metadata: {}, status: "created", created_at: 0 },
    outbox,
    sink,
    exitFlushTimeoutSeconds: options.exitFlushTimeoutSeconds ?? 5,
    hooks,
    ...(options.flushOnExit === undefined ? {} : { flushOnExit: options.flushOnExit }),
    onWarning: (m) => warnings.push(m),
    ...(options.now ? { now: options.now } : {}),
  });
  return { experiment, sink, warnings, hooks, fakeProcess };
}
