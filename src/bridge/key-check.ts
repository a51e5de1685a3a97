/**
 * Whether Syvain accepts the bridge's API key. A rejected key otherwise looks healthy: the bridge
 * listens, says ready, and answers every sender 503 forever. So the CLI checks the key once at
 * startup (one cheap authenticated call), and the bridge treats a rejection seen at runtime as
 * "not ready" and logs it as an error.
 */
import { SyvainError } from "../api/errors.ts";
import { createSyvainClient } from "../client/create-client.ts";
import type { BridgeExporters } from "./bridge-options.ts";

export type KeyCheck =
  | { outcome: "accepted" }
  /** Syvain answered 401/403: the message names where the key came from, never the key. */
  | { outcome: "rejected"; message: string }
  /** No answer (network, timeout, 5xx): the bridge starts anyway and retries as usual. */
  | { outcome: "unreachable"; message: string };

export function isKeyRejection(error: unknown): error is SyvainError {
  return error instanceof SyvainError && (error.code === "auth" || error.code === "forbidden");
}

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
 * A key rejection the exporters met (creating an experiment, or delivering to one), or
 * `undefined`. Errors stay recorded: the key only changes with a restart, so once Syvain rejected
 * it the bridge stays not ready.
 */
export function keyRejection(exporters: BridgeExporters): string | undefined {
  for (const experiment of exporters.stats()) {
    if (isKeyRejection(experiment.lastError)) return `Syvain rejects the API key (experiment ${JSON.stringify(experiment.slug)}: ${experiment.lastError.message})`;
  }
  return undefined;
}
