/**
 * What the delivery core writes into the spool: self-contained JSON records, so any process can
 * replay a dead process's segments without its memory. Every event record names its experiment
 * (slug, and id when the experiment exists on the server); an offline creation carries its spec.
 * No credentials are ever written: the API key is the replaying process's own.
 */
import type { AnnotationEvent, ExperimentStatus, MetricEvent } from "../../api/contract.ts";
import { experimentStatuses } from "../../api/contract.ts";
import type { ExperimentSpec } from "../../mapping/experiment.ts";

/** Record types (the engine reserves 0). Unknown types are skipped on replay. */
export const RecordType = { create: 1, metric: 2, annotation: 3, status: 4 } as const;

/**
 * Records the spool need not write once delivered (`skipAckedTypes`): an event Syvain stored is
 * never read again. Creations and statuses are: a later process learns from them how a run ended.
 */
export const deliveredEventTypes: readonly number[] = [RecordType.metric, RecordType.annotation];

/**
 * The experiment a record belongs to: `x` slug, `i` server id (`null` offline: created on replay),
 * `k` the key of the creation that makes it (a deferred `create`): records of two runs of one slug
 * are then two experiments on replay, each with its own creation. Absent in older records.
 */
interface ExperimentRef {
  x: string;
  i: string | null;
  k?: string;
}

/** How a spooled creation is replayed (`destinations/destination.ts` says what each means). */
export const spooledCreationPolicies = ["create", "create-or-reuse", "get-or-create"] as const;
export type SpooledCreationPolicy = (typeof spooledCreationPolicies)[number];

export interface CreateRecord extends ExperimentRef {
  spec: ExperimentSpec;
  /** `true`: `ifExists: "reuse"`; else an existing slug is a conflict on replay too. Kept for older readers: `policy` says it now. */
  reuse: boolean;
  /** Absent in older records: get-or-create. `create`: a slug another run holds is refused, and the run is kept aside (`sync --rename`). */
  policy?: SpooledCreationPolicy;
  /** The creation's `Idempotency-Key` (with `policy` "create"): a replay of our own creation gets our own 201 back. */
  key?: string;
}
export interface MetricRecord extends ExperimentRef {
  e: MetricEvent;
}
export interface AnnotationRecord extends ExperimentRef {
  e: AnnotationEvent;
}
/** `t`: when it was queued; it makes each run's status records distinct (recovery annotation id). */
export interface StatusRecord extends ExperimentRef {
  s: ExperimentStatus;
  t: number;
}

export type SpooledRecord =
  | { type: typeof RecordType.create; body: CreateRecord }
  | { type: typeof RecordType.metric; body: MetricRecord }
  | { type: typeof RecordType.annotation; body: AnnotationRecord }
  | { type: typeof RecordType.status; body: StatusRecord };

/**
 * Parses a record read back from disk. A record that does not parse (or names no experiment) is
 * `undefined`: the caller counts and skips it, never throws. The checksum already vouches for the
 * bytes, so this guards against a record written by another (future) version.
 */
export function decodeRecord(type: number, payload: Uint8Array): SpooledRecord | undefined {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isObject(body) || typeof body.x !== "string" || !(typeof body.i === "string" || body.i === null)) return undefined;
  if (body.k !== undefined && typeof body.k !== "string") return undefined;
  switch (type) {
    case RecordType.create:
      return isObject(body.spec) && typeof body.reuse === "boolean" && validCreation(body) ? { type, body: body as unknown as CreateRecord } : undefined;
    case RecordType.metric:
    case RecordType.annotation:
      return isObject(body.e) && typeof body.e.client_event_id === "string" ? ({ type, body: body as unknown } as SpooledRecord) : undefined;
    case RecordType.status:
      return (experimentStatuses as readonly unknown[]).includes(body.s) && typeof body.t === "number"
        ? { type, body: body as unknown as StatusRecord }
        : undefined;
    default:
      return undefined;
  }
}

/** A policy this version knows (or none), and a string key if any. */
function validCreation(body: Record<string, unknown>): boolean {
  const policyOk = body.policy === undefined || (spooledCreationPolicies as readonly unknown[]).includes(body.policy);
  return policyOk && (body.key === undefined || typeof body.key === "string");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Statuses after which a run is over: its earlier status records may be acknowledged. */
export function isFinalStatus(status: ExperimentStatus): boolean {
  return status === "done" || status === "failed";
}
