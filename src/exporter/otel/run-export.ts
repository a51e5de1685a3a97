/**
 * The body of both exporters' `export()`: run each resource group (`export-group.ts`: find its
 * experiment, map, enqueue) and answer the SDK exactly once — at once when every group ran
 * synchronously, else when the last one is queued (a large export, mapped in chunks) or the
 * experiment creations it waits for settle. A group that fails (no slug, creation failed, queue
 * overflow) does not stop the others from being queued; the answer is then FAILED with an error
 * naming each failed experiment. Every answer carries the items the mapping rejected.
 */
import type { SettleOnce } from "./export-callback.ts";
import { asSyvainError, combineFailures, type SignalKind } from "./export-failures.ts";
import { runGroup, type ExportGroup, type GroupOutcome } from "./export-group.ts";
import type { ExporterCore } from "./exporter-core.ts";

export function runExport(core: ExporterCore, kind: SignalKind, groups: Iterable<ExportGroup>, result: SettleOnce): void {
  const outcomes: (GroupOutcome | Promise<GroupOutcome>)[] = [];
  for (const group of groups) outcomes.push(runGroup(core, kind, group));
  const answer = (settled: readonly GroupOutcome[]): void => {
    const invalid = settled.reduce((sum, outcome) => sum + outcome.invalid, 0);
    const failures = settled.flatMap((outcome) => (outcome.failure === undefined ? [] : [outcome.failure]));
    if (failures.length === 0) result.succeed(invalid);
    else result.fail(combineFailures(failures), invalid);
  };
  if (!outcomes.some((outcome) => outcome instanceof Promise)) answer(outcomes as GroupOutcome[]);
  else void Promise.all(outcomes.map(async (outcome) => outcome)).then(answer, (error: unknown) => result.fail(asSyvainError(error)));
}
