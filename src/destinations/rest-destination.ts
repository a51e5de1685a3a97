/**
 * Experiments on the Syvain API: a folder path is resolved to an id first, then a POST; what a
 * `409 experiment_exists` means depends on the policy (see `destination.ts`). Events go to a REST sink.
 */
import type { CreateExperimentBody, Experiment } from "../api/contract.ts";
import { SyvainApiError, SyvainError } from "../api/errors.ts";
import type { SyvainClient } from "../client/client-types.ts";
import { createRestSink } from "../delivery/rest-sink.ts";
import { experimentCreationKey } from "./creation-key.ts";
import { creationFailure, restatedError, slugExistsMessage, type CreationPolicy, type Destination, type ExperimentSpec } from "./destination.ts";

/** `close` closes the client: pass it only for a client the destination's owner created. */
export function restDestination(client: SyvainClient, close: () => Promise<void> = () => Promise.resolve()): Destination {
  return {
    async provision(spec, policy, signal, creationKey) {
      let outcome: Experiment | SyvainApiError;
      try {
        outcome = await create(client, await creationBody(client, spec, signal), policy, signal, creationKey);
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
  signal: AbortSignal | undefined,
  creationKey: string | undefined,
): Promise<Experiment | SyvainApiError> {
  const withSignal = signal === undefined ? {} : { signal };
  try {
    // Only get-or-create shares a key across processes: for `create` a replayed 201 would hide
    // that the slug was already taken by an earlier run. A `create` key is unique to one
    // creation (one `experiment()` call): only its own attempts and replays share it.
    const key = policy === "get-or-create" ? { idempotencyKey: experimentCreationKey(body) } : policy === "create" && creationKey !== undefined ? { idempotencyKey: creationKey } : {};
    return await client.createExperiment(body, { ...key, ...withSignal });
  } catch (error) {
    if (!(error instanceof SyvainApiError) || error.code !== "conflict") throw error;
    if (policy === "create") return error;
    return client.getExperiment(error.experimentId ?? body.slug, withSignal);
  }
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
