/**
 * How long a creation may hold its caller when a spool can take its events instead: past
 * `DEFER_CREATION_AFTER_MS` without an answer, the caller defers the creation as if Syvain were
 * unavailable (a retryable `StillCreating`), and the creation finishes in the background. Without
 * it, a Syvain that hangs (a black-holed network) held the caller for every attempt's timeout
 * (4 × 10 s): the bridge answered 503, `collector.experiment()` blocked for 40 s. Used by the
 * exporters and the bridge (get-or-create) and by the facade, whose late creation keeps the run's
 * policy and its own key (`facade/deferred-creation.ts`): a late `conflict` is reported, never
 * turned into events added to another run's experiment.
 */
import { SyvainError } from "../api/errors.ts";

/** A creation is deferred once it has waited this long (`ExperimentJournals.deferCreationAfterMs`). */
export const DEFER_CREATION_AFTER_MS = 2000;

/** The creation has not been answered yet: retryable, so it defers like an unavailable Syvain. */
export class StillCreating extends SyvainError {}

/** `creation`, or a `StillCreating` rejection once `ms` pass first (the creation keeps running). */
export async function answeredWithin<T>(creation: Promise<T>, ms: number, slug: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StillCreating("timeout", `experiment ${JSON.stringify(slug)}: Syvain has not answered its creation within ${ms / 1000} s`, { retryable: true })), ms);
    timer.unref();
  });
  try {
    return await Promise.race([creation, late]);
  } finally {
    clearTimeout(timer);
  }
}
