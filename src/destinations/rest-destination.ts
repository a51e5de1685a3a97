/**
 * Experiments on the Syvain API: a folder path is resolved to an id first, then a POST; what a
 * `409 experiment_exists` means depends on the policy (see `destination.ts`). Events go to a REST sink.
 */
import type { CreateExperimentBody, Experiment } from "../api/contract.ts";
import { SyvainApiError, SyvainError } from "../api/errors.ts";
import type { SyvainClient } from "../client/client-types.ts";
import { createRestSink } from "../delivery/rest-sink.ts";
import { experimentCreationKey, startedAtOfRunCreationKey } from "./creation-key.ts";
import { createdUnderKey, keyThatCreated } from "./created-under-key.ts";
import { creationFailure, restatedError, slugExistsMessage, type CreationPolicy, type Destination, type ExperimentSpec } from "./destination.ts";

/** `close` closes the client: pass it only for a client the destination's owner created. */
export function restDestination(client: SyvainClient, close: () => Promise<void> = () => Promise.resolve()): Destination {
  return {
    async provision(spec, policy, signal, creationKey, attemptsSince) {
      let outcome: Experiment | SyvainApiError;
      try {
        outcome = await create(client, await creationBody(client, spec, signal), policy, { signal, creationKey, attemptsSince });
      } catch (error) {
        throw creationFailure(spec.slug, policy, error);
      }
      if (outcome instanceof SyvainApiError) throw restatedError(outcome, slugExistsMessage(spec.slug, outcome.experimentId));
      return { record: outcome, id: outcome.id, sink: createRestSink({ client, experimentId: outcome.id }) };
    },
    close,
  };
}

async function creationBody(client: SyvainClient, spec: ExperimentSpec, signal: AbortSignal | undefined): Promise<CreateExperimentBody> {
  const folderId = spec.folderId ?? (spec.folderPath === undefined ? undefined : await resolveFolder(client, spec.folderPath, signal));
  return {
    slug: spec.slug,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(folderId === undefined ? {} : { folder_id: folderId }),
    metadata: spec.metadata,
  };
}

/** The experiment, or the `conflict` error when the policy is `create` and the slug exists. */
async function create(
  client: SyvainClient,
  body: CreateExperimentBody,
  policy: CreationPolicy,
  { signal, creationKey, attemptsSince }: { signal: AbortSignal | undefined; creationKey: string | undefined; attemptsSince: number | undefined },
): Promise<Experiment | SyvainApiError> {
  const withSignal = signal === undefined ? {} : { signal };
  try {
    // Only get-or-create shares a key across processes: for `create` a replayed 201 would hide
    // that the slug was already taken by an earlier run. A `create` key is unique to one
    // creation (one `experiment()` call): only its own attempts and replays share it.
    const key = policy === "get-or-create" ? { idempotencyKey: experimentCreationKey(body) } : policy === "create" && creationKey !== undefined ? { idempotencyKey: creationKey } : {};
    const created = await client.createExperiment(body, { ...key, ...withSignal });
    if (policy === "create" && creationKey !== undefined) createdUnderKey(created.id, creationKey);
    return created;
  } catch (error) {
    if (!(error instanceof SyvainApiError) || error.code !== "conflict") throw error;
    if (policy === "create") return (await createdByThisCall(client, error, body.slug, creationKey, startedAtOfRunCreationKey(creationKey) ?? attemptsSince, withSignal)) ?? error;
    return client.getExperiment(error.experimentId ?? body.slug, withSignal);
  }
}

/**
 * The experiment a `create`'s 409 names, when it is this call's own: created no earlier than the
 * `experiment()` call started (its key says when). An attempt Syvain stored but whose answer was
 * lost (a timeout, a reset, a 5xx after the write) is retried with the same key, and a Syvain that
 * did not record the key for a failed answer says "slug exists" about our own experiment: taking
 * that as another run's slug discarded the run's events (found by an outside review). An earlier
 * run's experiment was created before the call started. `startedAt`: the key's time, or, for a key
 * without one (an offline run's), when the replay first sent it. No tolerance for clock skew: a
 * Syvain clock behind this machine's by more than the request's latency makes our own look older,
 * and the conflict stands (the run is kept aside, recoverable with `sync --rename`), whereas a
 * tolerance would take another run's experiment, created just before, as ours: a silent mix. What
 * this process knows decides first (created-under-key.ts): an experiment it created under another
 * key is never ours, one a rename confirmed under this key always is.
 */
async function createdByThisCall(
  client: SyvainClient,
  conflict: SyvainApiError,
  slug: string,
  creationKey: string | undefined,
  startedAt: number | undefined,
  withSignal: { signal?: AbortSignal },
): Promise<Experiment | undefined> {
  if (creationKey === undefined) return undefined;
  const existing = await client.getExperiment(conflict.experimentId ?? slug, withSignal);
  const knownKey = keyThatCreated(existing.id);
  if (knownKey !== undefined) return knownKey === creationKey ? existing : undefined;
  if (startedAt === undefined || existing.created_at < startedAt) return undefined;
  createdUnderKey(existing.id, creationKey);
  return existing;
}

/**
 * A folder's dashboard path → its id, with one request. Raises `not_found` when no folder has the
 * path and `conflict` when several do; both name the path.
 */
export async function resolveFolder(client: SyvainClient, path: string, signal?: AbortSignal): Promise<string> {
  const folders = await client.findFolders(path, signal === undefined ? undefined : { signal });
  const [only, ...others] = folders;
  if (only === undefined) {
    throw new SyvainError("not_found", `folder path ${JSON.stringify(path)} matches no folder (create it in the dashboard, or give a folder id)`);
  }
  if (others.length > 0) {
    const ids = folders.map((folder) => folder.id).join(", ");
    throw new SyvainError("conflict", `folder path ${JSON.stringify(path)} is ambiguous: ${folders.length} folders match (${ids}); give a folder id`);
  }
  return only.id;
}
