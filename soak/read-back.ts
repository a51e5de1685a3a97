/** Reads one experiment's stored data back through the public REST API (series query, annotation pages). */
import type { SyvainClient } from "../src/client/client-types.ts";
import { metricKey, type StoredEvents } from "./ledger.ts";

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export async function readStored(client: SyvainClient, slug: string): Promise<StoredEvents> {
  const stored: StoredEvents = { metrics: new Map(), annotations: new Map() };
  const experiment = await client.getExperiment(slug);
  for (const series of await client.querySeries({ experiment_id: experiment.id })) {
    for (const step of series.data.steps) bump(stored.metrics, metricKey(series.metric_name, step));
  }
  let cursor: string | undefined;
  do {
    const page = await client.listAnnotations(experiment.id, { limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const annotation of page.annotations) bump(stored.annotations, annotation.text);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return stored;
}
