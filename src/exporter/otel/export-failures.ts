/** How a failed export group is recorded (per-slug counters, a `diag` warning) and reported (one error). */
import { SyvainError, wrapUnexpected } from "../../api/errors.ts";
import type { ExporterCore } from "./exporter-core.ts";

export type SignalKind = "metrics" | "annotations";

export function noteFailure(core: ExporterCore, kind: SignalKind, slug: string | undefined, thrown: unknown): SyvainError {
  const error = asSyvainError(thrown);
  if (slug !== undefined) core.recordFailure(slug, error);
  // No slug: the resource named no experiment; such failures share one burst.
  core.warnings.lost(slug ?? "", `export of ${kind}${slug === undefined ? "" : ` to experiment ${JSON.stringify(slug)}`} failed, its data was not queued: ${error.message}`);
  return error;
}

/** Anything but a `SyvainError` here is a bug (ours or a plugged-in part's), not bad data: `internal`. */
export function asSyvainError(thrown: unknown): SyvainError {
  return wrapUnexpected(thrown, "export");
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
