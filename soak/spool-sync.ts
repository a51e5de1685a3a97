/**
 * The spool's share of the accounting: once a job has closed, whatever its spool still holds (events
 * evicted from memory, or not delivered by the drain's deadline) is delivered the way
 * `syvain-otel sync` would (its closed spool released its LOCK, so this process may adopt it), and
 * what even that leaves on disk is counted. Events delivered here are in the read-back like any
 * other, so `sent = stored + dropped (counted) + left in spool` still holds.
 */
import type { SyvainClient } from "../src/client/client-types.ts";
import { deliverLeftovers } from "../src/destinations/leftovers/deliver-leftovers.ts";

export interface SpoolCounts {
  /** Events delivered from the spool after the job closed (duplicates of earlier deliveries included). */
  synced: number;
  /** Records still on disk after that. */
  leftInSpool: number;
  reasons: string[];
}

export const noSpool: SpoolCounts = { synced: 0, leftInSpool: 0, reasons: [] };

export async function syncLeftovers(spoolDir: string, client: SyvainClient): Promise<SpoolCounts> {
  const result = await deliverLeftovers({ spoolDir, client, maxAttempts: 5 });
  const leftInSpool = result.remaining + result.skipped;
  const reasons: string[] = [];
  if (result.failed > 0) reasons.push(`sync: ${result.failed} events refused for good`);
  if (leftInSpool > 0) reasons.push(`${leftInSpool} records left in the spool (${spoolDir})${result.stoppedBy ? `: ${result.stoppedBy.message}` : ""}`);
  return { synced: result.metrics + result.annotations, leftInSpool, reasons };
}
