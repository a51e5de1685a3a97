/**
 * `new Collector(apiKey?, options?)`: experiments on the Syvain Metrics service.
 */
import { inspect } from "node:util";
import { API_KEY_ENV, type CreateExperimentBody, type Experiment as ExperimentRecord } from "../api/contract.ts";
import type { SyvainClient } from "../client/client-types.ts";
import { createSyvainClient } from "../client/create-client.ts";
import { createRestSink } from "../delivery/rest-sink.ts";
import { resolveFolder, restatedError } from "../destinations/provisioners.ts";
import { SyvainApiError, SyvainError, SyvainValidationError } from "../api/errors.ts";
import { CollectorBase, type Provisioned } from "./collector-base.ts";
import { parseCollectorOptions, type CollectorOptions } from "./collector-options.ts";
import type { ExperimentSpec } from "./experiment-options.ts";

export class Collector extends CollectorBase {
  /** The service origin in use (safe to log). */
  readonly host: string;
  readonly #client: SyvainClient;

  /**
   * `new Collector("ak_org_...")`, `new Collector("ak_org_...", { host })`, `new Collector({ host })`
   * or `new Collector()` (key from `SYVAIN_METRICS_API_KEY`).
   */
  constructor(apiKeyOrOptions?: string | CollectorOptions, options?: CollectorOptions) {
    const given = typeof apiKeyOrOptions === "string" ? { ...options, apiKey: apiKeyOrOptions } : (apiKeyOrOptions ?? options ?? {});
    // The key is checked apart from the other options, so no error message can ever echo it.
    const { apiKey, ...rest } = given;
    const resolved = { ...parseCollectorOptions(rest), apiKey: checkApiKey(apiKey) };
    super("Collector", resolved);
    const envKey = process.env[API_KEY_ENV];
    if (resolved.apiKey === undefined && !envKey) {
      throw new SyvainValidationError(
        "apiKey",
        undefined,
        `Collector: no API key: pass it as \`new Collector("ak_org_...")\` or set ${API_KEY_ENV}`,
        "config",
      );
    }
    this.#client = createSyvainClient({
      ...(resolved.apiKey === undefined ? {} : { apiKey: resolved.apiKey }),
      ...(resolved.host === undefined ? {} : { host: resolved.host }),
      timeout: resolved.timeout,
      ingestTimeout: resolved.ingestTimeout,
    });
    this.host = this.#client.host;
  }

  protected async provision(spec: ExperimentSpec): Promise<Provisioned> {
    const folderId = spec.folderId ?? (spec.folderPath === undefined ? undefined : await resolveFolder(this.#client, spec.folderPath));
    const body: CreateExperimentBody = {
      slug: spec.slug,
      metadata: spec.meta,
      ...(spec.description === undefined ? {} : { description: spec.description }),
      ...(folderId === undefined ? {} : { folder_id: folderId }),
    };
    const record = await this.#create(body, spec.ifExists);
    return { record, sink: createRestSink({ client: this.#client, experimentId: record.id }) };
  }

  async #create(body: CreateExperimentBody, ifExists: "error" | "reuse"): Promise<ExperimentRecord> {
    try {
      return await this.#client.createExperiment(body);
    } catch (error) {
      if (!(error instanceof SyvainApiError) || error.code !== "conflict") throw withSlug(body.slug, error);
      if (ifExists === "reuse") return this.#client.getExperiment(error.experimentId ?? body.slug);
      throw restatedError(
        error,
        `experiment slug ${JSON.stringify(body.slug)} already exists${error.experimentId ? ` (id ${error.experimentId})` : ""}: ` +
          `use a new slug per run, or pass { ifExists: "reuse" } to add to the existing experiment`,
      );
    }
  }

  protected async closeResources(): Promise<void> {
    await this.#client.close();
  }

  [inspect.custom](): string {
    return `Collector { host: '${this.host}' }`;
  }
}

function checkApiKey(apiKey: unknown): string | undefined {
  if (apiKey === undefined || typeof apiKey === "string") return apiKey;
  throw new SyvainValidationError("apiKey", "<redacted>", `Collector: invalid option \`apiKey\`: must be a string (got ${typeof apiKey})`, "config");
}

function withSlug(slug: string, error: unknown): unknown {
  return error instanceof SyvainError ? restatedError(error, `could not create experiment ${JSON.stringify(slug)}: ${error.message}`) : error;
}
