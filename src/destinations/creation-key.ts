/**
 * The `Idempotency-Key` of an OTel-origin experiment creation: a digest of the request body, so
 * every exporter process and bridge replica that creates the same experiment sends the same key
 * (the server replays the first answer instead of racing to a 409), and a different body never
 * reuses a key (which the server would reject with `422 idempotency_key_reused`).
 */
import { createHash } from "node:crypto";
import type { CreateExperimentBody, JsonObject } from "../api/contract.ts";
import { canonicalJson } from "../mapping/json.ts";

const KEY_PREFIX = "otel-experiment-";

export function experimentCreationKey(body: CreateExperimentBody): string {
  const fields: JsonObject = { slug: body.slug };
  if (body.description !== undefined) fields["description"] = body.description;
  if (body.folder_id !== undefined) fields["folder_id"] = body.folder_id;
  if (body.metadata !== undefined) fields["metadata"] = body.metadata;
  return KEY_PREFIX + createHash("sha256").update(canonicalJson(fields)).digest("hex");
}

const RUN_KEY_PREFIX = "run-create-";

/**
 * The `Idempotency-Key` of one `create` (one `experiment()` call, `ifExists: "error"`): unique, and
 * carrying when the call started, so that a later `409 experiment_exists` can be told apart from our
 * own creation whose answer was lost (see `startedAtOfRunCreationKey`).
 */
export function runCreationKey(startedAt: number, unique: string): string {
  return `${RUN_KEY_PREFIX}${Math.floor(startedAt)}-${unique}`;
}

/**
 * The key of an offline run's `create`: it carries no time, since the creation first reaches Syvain
 * with a later `syvain-otel sync` (hours or days after the call), and an experiment another run
 * created in between must not look like ours; the replay says when its own attempts started.
 */
export function offlineRunCreationKey(unique: string): string {
  return `${RUN_KEY_PREFIX}offline-${unique}`;
}

/**
 * The key of a kept run's `create` under its new slug (`sync --rename`): no time either. It is kept
 * in conflicts/renames.json so that a resumed rename replays it (Syvain answers our own 201 while it
 * keeps the key), but a 409 is judged against the resumed sync's own attempts: another run may have
 * taken the new slug since the key was made.
 */
export function renameCreationKey(unique: string): string {
  return `${RUN_KEY_PREFIX}rename-${unique}`;
}

/** When the `experiment()` call behind a `runCreationKey` started; `undefined` for any other key (an offline one included). */
export function startedAtOfRunCreationKey(key: string | undefined): number | undefined {
  const match = key === undefined ? null : /^run-create-(\d{13,})-/.exec(key);
  return match === null ? undefined : Number(match[1]);
}
