/**
 * One destinations module for the facade, the exporters and the bridge: how an experiment comes
 * to exist before its events are queued (a request, a JSONL record, nothing), and the sink its
 * events then go to. A `Destination` is one of `restDestination`, `jsonlDestination` or
 * `localDestination`; the caller picks the creation policy:
 *
 * - `get-or-create` (OTel exporters, bridge): many processes and replicas create the same
 *   experiment, so a creation carries a key derived from its body and a conflict means someone
 *   was first: the existing experiment is reused.
 * - `create` (facade, default): one experiment per run, so an existing slug is a `conflict` error.
 * - `create-or-reuse` (facade, `ifExists: "reuse"`): create, or add to the existing one.
 */
import type { Experiment } from "../api/contract.ts";
import { SyvainApiError, SyvainError, wrapUnexpected } from "../api/errors.ts";
import type { DeliverySink } from "../delivery/delivery-types.ts";
import type { ExperimentSpec } from "../mapping/experiment.ts";

export type { ExperimentSpec } from "../mapping/experiment.ts";

export type CreationPolicy = "get-or-create" | "create" | "create-or-reuse";

export interface ProvisionedExperiment {
  /** The experiment as stored (or, offline, as this process describes it). */
  record: Experiment;
  id: string;
  sink: DeliverySink;
}

export interface Destination {
  /**
   * `signal` abandons the creation (its HTTP calls included), e.g. when the exporters shut down.
   * `creationKey` (policy `create`): the `Idempotency-Key` of this one creation, for every attempt
   * and every later replay of it, so our own creation answered late or lost is replayed as our 201,
   * and a slug another run took stays a `conflict`. `attemptsSince`: when the first attempt of this
   * creation was made, for a key that does not say it (an offline run's, first sent by a replay).
   */
  provision(spec: ExperimentSpec, policy: CreationPolicy, signal?: AbortSignal, creationKey?: string, attemptsSince?: number): Promise<ProvisionedExperiment>;
  /** Closes what the destination owns (never a client passed in by the user). Idempotent. */
  close(): Promise<void>;
}

/** The experiment a sink is made for, in `sink` mode (no server: the id is local and stable). */
export interface SinkTarget {
  id: string;
  slug: string;
  spec: ExperimentSpec;
}
export type SinkFactory = (experiment: SinkTarget) => DeliverySink;

/** Stable across runs, so a JSONL file written by two runs names one experiment. */
export function localExperimentId(slug: string): string {
  return `local:${slug}`;
}

/** The record of an experiment that exists only in this process (JSONL, no-op, a custom sink). */
export function localRecord(spec: ExperimentSpec, now: number): Experiment {
  return {
    id: localExperimentId(spec.slug),
    slug: spec.slug,
    description: spec.description ?? null,
    folder_id: spec.folderId ?? null,
    metadata: spec.metadata,
    status: "created",
    created_at: now,
  };
}

/** What a `create` policy says about a slug that exists: what to do instead. */
export function slugExistsMessage(slug: string, experimentId: string | undefined): string {
  return (
    `experiment slug ${JSON.stringify(slug)} already exists${experimentId ? ` (id ${experimentId})` : ""}: ` +
    `use a new slug per run, or pass { ifExists: "reuse" } to add to the existing experiment`
  );
}

/** A `create` refused because another experiment (another run's) holds the slug. */
export function isSlugTaken(error: unknown): error is SyvainApiError {
  return error instanceof SyvainApiError && error.code === "conflict" && error.serverCode === "experiment_exists";
}

/**
 * A failed creation, re-thrown with the same `code` (so `auth` stays `auth`) and a message that
 * names the slug: an OTel export failure lands far from the code that configured the exporter.
 */
export function creationFailure(slug: string, policy: CreationPolicy, error: unknown): unknown {
  if (policy !== "get-or-create") {
    return error instanceof SyvainError ? restatedError(error, `could not create experiment ${JSON.stringify(slug)}: ${error.message}`) : error;
  }
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
