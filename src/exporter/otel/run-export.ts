/**
 * The body of both exporters' `export()`: for each resource group, find its experiment, map the
 * records, enqueue, and answer the SDK exactly once — at once when every experiment is already
 * known, else when the creations in progress settle. A group that fails (no slug, creation
 * failed, queue overflow) does not stop the others from being queued; the answer is then FAILED
 * with an error naming each failed experiment.
 */
import type { Resource } from "@opentelemetry/resources";
import { SyvainError } from "../../errors.ts";
import type { ExperimentIdentity } from "../../mapping/experiment.ts";
import { exporterDiag } from "./diag-logger.ts";
import type { SettleOnce } from "./export-callback.ts";
import type { Enqueue, ExporterCore } from "./exporter-core.ts";

export interface PreparedEvents {
  /** Events ready to queue. */
  count: number;
  /** Points / records the mapping rejected, with a one-line summary of the reasons. */
  invalid: number;
  invalidSummary: string;
  enqueue: Enqueue;
}

export interface ExportGroup {
  resource: Resource;
  prepare(experiment: ExperimentIdentity): PreparedEvents;
}

export type SignalKind = "metrics" | "annotations";

export function runExport(core: ExporterCore, kind: SignalKind, groups: Iterable<ExportGroup>, result: SettleOnce): void {
  const failures: SyvainError[] = [];
  const waits: Promise<void>[] = [];
  for (const group of groups) {
    let slug: string | undefined;
    try {
      const experiment = core.specFor(group.resource);
      slug = experiment.slug;
      const prepared = group.prepare(experiment);
      if (prepared.invalid > 0) noteInvalid(core, kind, experiment.slug, prepared);
      if (prepared.count === 0) continue;
      const wait = core.deliver(experiment, prepared.enqueue);
      const waitSlug = slug;
      if (wait !== undefined) waits.push(wait.catch((error: unknown) => void failures.push(noteFailure(core, kind, waitSlug, error))));
    } catch (error) {
      failures.push(noteFailure(core, kind, slug, error));
    }
  }
  const finish = (): void => (failures.length === 0 ? result.succeed() : result.fail(combineFailures(failures)));
  if (waits.length === 0) finish();
  else void Promise.all(waits).then(finish);
}

function noteInvalid(core: ExporterCore, kind: SignalKind, slug: string, prepared: PreparedEvents): void {
  const counters = core.counters(slug);
  if (kind === "metrics") counters.invalidMetrics += prepared.invalid;
  else counters.invalidAnnotations += prepared.invalid;
  exporterDiag.warn(`experiment ${JSON.stringify(slug)}: dropped ${prepared.invalid} invalid ${kind === "metrics" ? "points" : "log records"}: ${prepared.invalidSummary}`);
}

function noteFailure(core: ExporterCore, kind: SignalKind, slug: string | undefined, thrown: unknown): SyvainError {
  const error = asSyvainError(thrown);
  if (slug !== undefined) core.recordFailure(slug, error);
  exporterDiag.warn(`export of ${kind} failed: ${error.message}`);
  return error;
}

export function asSyvainError(thrown: unknown): SyvainError {
  if (thrown instanceof SyvainError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new SyvainError("invalid_argument", `unexpected error while exporting: ${message}`, { cause: thrown });
}

/** One failure as is; several as one error listing them (code of the first). */
export function combineFailures(failures: readonly SyvainError[]): SyvainError {
  const [first, ...rest] = failures;
  if (first === undefined) return new SyvainError("invalid_argument", "export failed");
  if (rest.length === 0) return first;
  return new SyvainError(first.code, `${failures.length} experiments failed: ${failures.map((f) => f.message).join("; ")}`, {
    cause: first,
    retryable: failures.every((f) => f.retryable),
  });
}
