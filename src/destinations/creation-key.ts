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
