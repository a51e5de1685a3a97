/**
 * `syvainResource()`: the OTel `Resource` that names a Syvain experiment, for users who build their
 * own MeterProvider / LoggerProvider. It is merged onto the SDK's `defaultResource()` because
 * passing a resource to a provider *replaces* the default one: without the merge, `service.name`
 * and the `telemetry.sdk.*` attributes other backends rely on would be gone.
 */
import { defaultResource, resourceFromAttributes, type Resource } from "@opentelemetry/resources";
import { z } from "zod";
import { ownedBy } from "../../config/owned-errors.ts";
import { parseOptions } from "../../config/parse-options.ts";
import type { JsonObject } from "../../api/contract.ts";
import { resourceAttributesFromExperiment } from "../../mapping/experiment.ts";

export interface SyvainResourceOptions {
  /** The experiment's slug (`syvain.experiment.slug`). */
  slug: string;
  description?: string;
  /** An absolute folder path (`/team/project`) or a folder id; not both. */
  folderPath?: string;
  folderId?: string;
  /** Experiment metadata; nested objects become dotted attributes (`config.batch_size`). */
  meta?: JsonObject;
}

const schema = z.strictObject({
  slug: z.string(),
  description: z.string().optional(),
  folderPath: z.string().optional(),
  folderId: z.string().optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});

export function syvainResource(options: SyvainResourceOptions): Resource {
  const owner = "syvainResource";
  parseOptions(schema, options, { owner, code: "invalid_argument" });
  return defaultResource().merge(resourceFromAttributes(ownedBy(owner, () => resourceAttributesFromExperiment(options))));
}
