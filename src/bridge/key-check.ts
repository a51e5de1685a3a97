/**
 * Whether Syvain accepts the bridge's API key. A rejected key otherwise looks healthy: the bridge
 * listens, says ready, and answers every sender 503 forever. So the CLI checks the key once at
 * startup (one cheap authenticated call), and the bridge treats a rejection seen at runtime as
 * "not ready" (until Syvain accepts the key again) and logs it as an error.
 */
import { createSyvainClient } from "../client/create-client.ts";
import type { BridgeExporters } from "./bridge-options.ts";
import { isKeyRejection, type KeyWatch } from "./key-watch.ts";

export type KeyCheck =
  | { outcome: "accepted" }
  /** Syvain answered 401/403: the message names where the key came from, never the key. */
  | { outcome: "rejected"; message: string }
  /** No answer (network, timeout, 5xx): the bridge starts anyway and retries as usual. */
  | { outcome: "unreachable"; message: string };

/**
 * One `GET /experiments?limit=1`, no retries, a short timeout. `keySource` says where the key came
 * from (`the environment variable SYVAIN_METRICS_API_KEY`), for the message.
 */
export async function checkApiKey(destination: { apiKey?: string; host?: string }, keySource: string, timeoutSeconds = 3): Promise<KeyCheck> {
  const client = createSyvainClient({ ...destination, timeout: timeoutSeconds, controlRetries: 0 });
  try {
    await client.listExperiments({ limit: 1 });
    return { outcome: "accepted" };
  } catch (error) {
    if (isKeyRejection(error)) return { outcome: "rejected", message: `Syvain rejected the API key in ${keySource}: ${error.message}` };
    return { outcome: "unreachable", message: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.close();
  }
}

/**
 * Why `/readyz` says the key is rejected, or `undefined`. With `watch` (exporters the bridge made):
 * a rejection of a delivery since the last one Syvain accepted (`key-watch.ts`), or of the creation
 * of an experiment that does not exist yet (its error is forgotten once a creation succeeds). Without
 * (the caller's exporters): any experiment's last error, which stays until another error replaces it.
 */
export function keyRejection(exporters: BridgeExporters, watch: KeyWatch | undefined): string | undefined {
  const now = watch?.rejection();
  if (now !== undefined) return now;
  for (const experiment of exporters.stats()) {
    // Watched: an experiment that exists, or a rejection its outbox retries (a deferred creation), is the watch's to judge.
    if (watch !== undefined && (experiment.experimentId !== undefined || experiment.lastError?.retryable === true)) continue;
    if (isKeyRejection(experiment.lastError)) return `Syvain rejects the API key (experiment ${JSON.stringify(experiment.slug)}: ${experiment.lastError.message})`;
  }
  return undefined;
}
