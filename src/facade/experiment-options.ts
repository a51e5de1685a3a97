/**
 * Arguments of `collector.experiment(slug, options)`: checked before any request, so a typo never
 * creates a half-configured experiment.
 */
import { z } from "zod";
import type { JsonObject } from "../api/contract.ts";
import { experimentDefaults } from "../config/defaults.ts";
import { parseOptions } from "../config/parse-options.ts";
import { SyvainValidationError } from "../api/errors.ts";
import { checkSlug, type ExperimentSpec } from "../mapping/experiment.ts";
import { assertJsonObject } from "./validate-json.ts";

export interface ExperimentOptions {
  description?: string;
  /** Run-level facts (model, dataset, seed, git SHA, config). Nested JSON is fine. */
  meta?: JsonObject;
  /** The folder's id. Not together with `folderPath`. */
  folderId?: string;
  /** The folder's dashboard path (`/team/project`), resolved with one extra request; missing or ambiguous → error. */
  folderPath?: string;
  /**
   * When the slug already exists: `"error"` raises a `conflict` error naming the slug (one
   * experiment per run); `"reuse"` appends to the existing experiment (its description, folder
   * and meta stay as stored). @default "error"
   */
  ifExists?: "error" | "reuse";
}

/** A validated `collector.experiment()` call: the experiment (user-facing `meta` becomes the API's `metadata`) and the conflict policy. */
export interface ExperimentRequest {
  spec: ExperimentSpec;
  ifExists: "error" | "reuse";
}

const optionsSchema = z.strictObject({
  description: z.string().max(16_000).optional(),
  meta: z.unknown().optional(),
  folderId: z.string().min(1, "must not be empty").optional(),
  folderPath: z.string().startsWith("/", "must be an absolute folder path starting with /").optional(),
  ifExists: z.enum(["error", "reuse"]).default(experimentDefaults.ifExists.default),
});

export function validateExperimentArgs(slug: unknown, options: unknown, owner: string): ExperimentRequest {
  const validSlug = checkSlugFor(slug, owner);
  const parsed = parseOptions(optionsSchema, options, { owner, code: "invalid_argument" });
  if (parsed.folderId !== undefined && parsed.folderPath !== undefined) {
    throw new SyvainValidationError(
      "folderPath",
      parsed.folderPath,
      `${owner}: pass \`folderId\` or \`folderPath\`, not both (got folderId ${JSON.stringify(parsed.folderId)} and folderPath ${JSON.stringify(parsed.folderPath)})`,
    );
  }
  const meta = parsed.meta ?? {};
  assertJsonObject(meta, "meta", owner);
  const spec: ExperimentSpec = {
    slug: validSlug,
    metadata: meta,
    ...(parsed.description === undefined ? {} : { description: parsed.description }),
    ...(parsed.folderId === undefined ? {} : { folderId: parsed.folderId }),
    ...(parsed.folderPath === undefined ? {} : { folderPath: parsed.folderPath }),
  };
  return { spec, ifExists: parsed.ifExists };
}

function checkSlugFor(slug: unknown, owner: string): string {
  try {
    return checkSlug(slug, "slug");
  } catch (error) {
    if (error instanceof SyvainValidationError) throw new SyvainValidationError("slug", slug, `${owner}: ${error.message}`);
    throw error;
  }
}
