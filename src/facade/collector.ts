/**
 * `new Collector(apiKey?, options?)`: experiments on the Syvain Metrics service.
 */
import { inspect } from "node:util";
import { API_KEY_ENV } from "../api/contract.ts";
import { createSyvainClient } from "../client/create-client.ts";
import { restDestination } from "../destinations/rest-destination.ts";
import { SyvainValidationError } from "../api/errors.ts";
import { CollectorBase } from "./collector-base.ts";
import { parseCollectorOptions, type CollectorOptions } from "./collector-options.ts";

export class Collector extends CollectorBase {
  /** The service origin in use (safe to log). */
  readonly host: string;

  /**
   * `new Collector("ak_org_...")`, `new Collector("ak_org_...", { host })`, `new Collector({ host })`
   * or `new Collector()` (key from `SYVAIN_METRICS_API_KEY`).
   */
  constructor(apiKeyOrOptions?: string | CollectorOptions, options?: CollectorOptions) {
    const given = typeof apiKeyOrOptions === "string" ? { ...options, apiKey: apiKeyOrOptions } : (apiKeyOrOptions ?? options ?? {});
    // The key is checked apart from the other options, so no error message can ever echo it.
    const { apiKey, ...rest } = given;
    const resolved = { ...parseCollectorOptions(rest), apiKey: checkApiKey(apiKey) };
    if (resolved.apiKey === undefined && !process.env[API_KEY_ENV]) {
      throw new SyvainValidationError(
        "apiKey",
        undefined,
        `Collector: no API key: pass it as \`new Collector("ak_org_...")\` or set ${API_KEY_ENV}`,
        "config",
      );
    }
    const client = createSyvainClient({
      ...(resolved.apiKey === undefined ? {} : { apiKey: resolved.apiKey }),
      ...(resolved.host === undefined ? {} : { host: resolved.host }),
      timeout: resolved.timeout,
      ingestTimeout: resolved.ingestTimeout,
    });
    super("Collector", resolved, restDestination(client, () => client.close()));
    this.host = client.host;
  }

  [inspect.custom](): string {
    return `Collector { host: '${this.host}' }`;
  }
}

function checkApiKey(apiKey: unknown): string | undefined {
  if (apiKey === undefined || typeof apiKey === "string") return apiKey;
  throw new SyvainValidationError("apiKey", "<redacted>", `Collector: invalid option \`apiKey\`: must be a string (got ${typeof apiKey})`, "config");
}
