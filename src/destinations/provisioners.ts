/**
 * How an experiment comes to exist before its events are queued, and where its events then go.
 *
 * - Against the API: get-or-create. POST with a deterministic `Idempotency-Key`; `409
 *   experiment_exists` means someone (another process, a bridge replica, an earlier run) created it
 *   first, so the existing one is read and reused. A folder path is resolved to an id first.
 * - Local sinks (JSONL, a custom factory): nothing to create; the id is stable and local.
 *
 * Failures are re-thrown with the same `code` (so `auth` stays `auth`) and a message that names
 * the slug, because an OTel export failure lands far from the code that configured the exporter.
 */
import { SyvainApiError, SyvainError, wrapUnexpected } from "../api/errors.ts";
import type { CreateExperimentBody, Experiment } from "../api/contract.ts";
import type { SyvainClient } from "../client/client-types.ts";
import type { DeliverySink } from "../delivery/delivery-types.ts";
import { createRestSink } from "../delivery/rest-sink.ts";
import { experimentCreationKey } from "./creation-key.ts";
import type { ExperimentIdentity as ExperimentSpec } from "../mapping/experiment.ts";

/** The experiment a sink is made for, in `sink` mode (no server: the id is local and stable). */
export interface SinkTarget {
  id: string;
  slug: string;
  spec: ExperimentSpec;
}
export type SinkFactory = (experiment: SinkTarget) => DeliverySink;

export interface ProvisionedExperiment {
  id: string;
  sink: DeliverySink;
}

/** `signal` abandons the creation (its HTTP calls included) when the exporters shut down. */
export type Provisioner = (spec: ExperimentSpec, signal: AbortSignal) => Promise<ProvisionedExperiment>;

export function restProvisioner(client: SyvainClient): Provisioner {
  return async (spec, signal) => {
    try {
      const experiment = await getOrCreate(client, await creationBody(client, spec, signal), signal);
      return { id: experiment.id, sink: createRestSink({ client, experimentId: experiment.id }) };
    } catch (error) {
      throw creationFailure(spec.slug, error);
    }
  };
}

export function localProvisioner(factory: SinkFactory): Provisioner {
  return (spec) => {
    try {
      const id = localExperimentId(spec.slug);
      return Promise.resolve({ id, sink: factory({ id, slug: spec.slug, spec }) });
    } catch (error) {
      return Promise.reject(creationFailure(spec.slug, error));
    }
  };
}

/** Stable across runs, so a JSONL file written by two runs names one experiment. */
export function localExperimentId(slug: string): string {
  return `local:${slug}`;
}

async function creationBody(client: SyvainClient, spec: ExperimentSpec, signal: AbortSignal): Promise<CreateExperimentBody> {
  const folderId = spec.folderId ?? (spec.folderPath === undefined ? undefined : await resolveFolder(client, spec.folderPath, signal));
  return {
    slug: spec.slug,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(folderId === undefined ? {} : { folder_id: folderId }),
    metadata: spec.metadata,
  };
}

/**
 * A folder's dashboard path → its id, with one request. Raises `not_found` when no folder has the
 * path and `conflict` when several do; both name the path. (Also the facade's `folderPath`.)
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

async function getOrCreate(client: SyvainClient, body: CreateExperimentBody, signal: AbortSignal): Promise<Experiment> {
  try {
    return await client.createExperiment(body, { idempotencyKey: experimentCreationKey(body), signal });
  } catch (error) {
    if (!(error instanceof SyvainApiError) || error.code !== "conflict") throw error;
    return client.getExperiment(error.experimentId ?? body.slug, { signal });
  }
}

function creationFailure(slug: string, error: unknown): SyvainError {
  const prefix = `could not get or create Syvain experiment ${JSON.stringify(slug)}`;
  if (error instanceof SyvainError) return restatedError(error, `${prefix}: ${error.message}`);
  return wrapUnexpected(error, prefix);
}

/**
 * The same error with a message that says more (which slug, what to do): same class, `code`,
 * `retryable` and, for API errors, status, server code, Retry-After, details, experiment id and
 * request; the original is the `cause`.
 */
export function restatedError(error: SyvainError, message: string): SyvainError {
  if (error instanceof SyvainApiError) {
    return new SyvainApiError(error.code, message, {
      cause: error,
      retryable: error.retryable,
      status: error.status,
      serverCode: error.serverCode,
      retryAfterMs: error.retryAfterMs,
      details: error.details,
      experimentId: error.experimentId,
      request: error.request,
    });
  }
  return new SyvainError(error.code, message, { cause: error, retryable: error.retryable });
}
