/**
 * Which `create` key made each experiment this process created. `createdByThisCall`
 * (rest-destination.ts) takes a `409 experiment_exists` for its own when the experiment is no older
 * than its key's start, which cannot tell two runs of one slug apart once both keys were made before
 * the first creation: two deferred runs replayed together, or two kept runs renamed to one new slug
 * (an outside review found both merged into one experiment). An experiment this process created
 * under another key is never this key's own, whatever the times say. Across processes the time test
 * is all there is (docs/spool.md says so).
 */

/** Experiments remembered; the oldest are forgotten past it (a long-lived bridge creates many). */
const REMEMBERED = 10_000;

const keyByExperiment = new Map<string, string>();

/** `key` made (or was found to have made) experiment `id`. */
export function createdUnderKey(id: string, key: string): void {
  keyByExperiment.delete(id);
  keyByExperiment.set(id, key);
  if (keyByExperiment.size > REMEMBERED) keyByExperiment.delete(keyByExperiment.keys().next().value!);
}

/** The key this process knows made experiment `id` (its own creation, or a rename's confirmed one), if any. */
export function keyThatCreated(id: string): string | undefined {
  return keyByExperiment.get(id);
}
