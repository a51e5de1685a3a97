/**
 * `new Collector(apiKey?, options?)`: experiments on the Syvain Metrics service.
 */
import { inspect } from "node:util";
import { API_KEY_ENV, DEFAULT_HOST, HOST_ENV } from "../api/contract.ts";
import { createSyvainClient } from "../client/create-client.ts";
import { restDestination } from "../destinations/rest-destination.ts";
import { localDestination } from "../destinations/local-destination.ts";
import { createOfflineSink } from "../destinations/offline-sink.ts";
import { SyvainError, SyvainValidationError } from "../api/errors.ts";
import { restatedError } from "../destinations/destination.ts";
import { resolveMode } from "../config/spool-defaults.ts";
import { ownedBy } from "../config/owned-errors.ts";
import { CollectorBase } from "./collector-base.ts";
import { parseCollectorOptions, type CollectorOptions, type ResolvedCollectorOptions } from "./collector-options.ts";
import { spoolSessionFor, type SpoolSession } from "../destinations/spool-session.ts";

export class Collector extends CollectorBase {
  /** The service origin in use (safe to log). */
  readonly host: string;

  /**
   * `new Collector("ak_org_...")`, `new Collector("ak_org_...", { host })`, `new Collector({ host })`
   * or `new Collector()` (key from `SYVAIN_METRICS_API_KEY`).
   */
  constructor(apiKeyOrOptions?: string | CollectorOptions, options?: CollectorOptions) {
    const given = typeof apiKeyOrOptions === "string" ? { ...options, apiKey: apiKeyOrOptions } : (checkFirstArgument(apiKeyOrOptions) ?? options ?? {});
    // The key is checked apart from the other options, so no error message can ever echo it.
    const { apiKey, ...rest } = given;
    const resolved = { ...parseCollectorOptions(rest), apiKey: checkApiKey(apiKey) };
    const offline = resolveMode(resolved.mode, "Collector") === "offline";
    if (offline) {
      // Offline: nothing is sent, so no key and no client; experiments exist in the spool until `sync`.
      const host = resolved.host ?? process.env[HOST_ENV] ?? DEFAULT_HOST;
      const spool = collectorSpool(resolved, host, true);
      if (spool === undefined) {
        throw new SyvainValidationError("spoolDir", false, `Collector: mode "offline" keeps everything in the spool, so it needs one (got spoolDir: false)`, "config");
      }
      // A flush waits until its events are in the spool (the offline sink's sync()).
      super("Collector", resolved, localDestination(() => createOfflineSink(() => spool.open(undefined))), { spool, client: undefined });
      this.host = host;
      return;
    }
    if (resolved.apiKey === undefined && !process.env[API_KEY_ENV]) {
      throw new SyvainValidationError(
        "apiKey",
        undefined,
        `Collector: no API key: pass it as \`new Collector("ak_org_...")\` or set ${API_KEY_ENV}`,
        "config",
      );
    }
    const client = ownedBy("Collector", () =>
      createSyvainClient({
        ...(resolved.apiKey === undefined ? {} : { apiKey: resolved.apiKey }),
        ...(resolved.host === undefined ? {} : { host: resolved.host }),
        timeout: resolved.timeout,
        ingestTimeout: resolved.ingestTimeout,
      }),
    );
    const spool = collectorSpool(resolved, client.host, false);
    super("Collector", resolved, restDestination(client, () => client.close()), spool && { spool, client });
    this.host = client.host;
  }

  /** Syvain unreachable (and no spool to wait in): say which host, and how to run without it. */
  protected override creationFailed(error: unknown): unknown {
    if (!(error instanceof SyvainError) || !error.retryable) return error;
    return restatedError(
      error,
      `${error.message} (Syvain at ${this.host}). To log while Syvain cannot be reached, keep the spool on (the default: the experiment is then created when Syvain is back) ` +
        `or use mode: "offline" (SYVAIN_MODE=offline) and \`syvain-otel sync\` later.`,
    );
  }

  [inspect.custom](): string {
    return `Collector { host: '${this.host}' }`;
  }
}

/** The collector's spool (on by default), or `undefined` with `spoolDir: false` (or the environment's "off"). */
function collectorSpool(resolved: ResolvedCollectorOptions, host: string, offline: boolean): SpoolSession | undefined {
  return spoolSessionFor({ spoolDir: resolved.spoolDir, onByDefault: true, host, maxBytes: resolved.spoolMaxBytes, offline, statsAt: "collector.stats().spool" });
}

/** `new Collector(12345)` (a key typed as a number) must not fall back to the environment's key in silence. */
function checkFirstArgument(first: unknown): CollectorOptions | undefined {
  if (first === undefined || (typeof first === "object" && first !== null && !Array.isArray(first))) return first;
  throw new SyvainValidationError("apiKey", "<redacted>", `Collector: the first argument must be the API key (a string) or the options object (got ${first === null ? "null" : Array.isArray(first) ? "an array" : typeof first})`, "config");
}

function checkApiKey(apiKey: unknown): string | undefined {
  if (apiKey === undefined || typeof apiKey === "string") return apiKey;
  throw new SyvainValidationError("apiKey", "<redacted>", `Collector: invalid option \`apiKey\`: must be a string (got ${typeof apiKey})`, "config");
}
