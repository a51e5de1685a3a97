/** Runs written into an emulator through its real API, for the viewer tests. */
import type { Emulator } from "syvain-metrics-otel/testing";
import type { MetricEvent } from "../../../src/api/contract.ts";
import { call, createExperiment } from "../http.ts";

export const XSS = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2">`;

export interface RunSeed {
  slug: string;
  metadata?: Record<string, unknown>;
  folderId?: string;
  status?: "running" | "done" | "failed";
  /** Points per split of `loss` (split=train and split=val). */
  points?: number;
  annotations?: { text: string; timestamp: number }[];
}

const T0 = 1_700_000_000_000;

export async function postMetrics(emulator: Emulator, id: string, events: MetricEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    const r = await call(emulator, "POST", `/api/v1/experiments/${id}/metrics`, { body: { metrics: events.slice(i, i + 1000) } });
    if (r.status !== 200) throw new Error(`metrics: ${r.status} ${JSON.stringify(r.json)}`);
  }
}

export function lossPoint(split: string, step: number): MetricEvent {
  return { client_event_id: `${split}-${step}`, name: "loss", value: 2 / (1 + step / 10) + (split === "val" ? 0.1 : 0), step, timestamp: T0 + step * 1000, metadata: { split } };
}

/** Creates the run and returns its id. */
export async function seedRun(emulator: Emulator, seed: RunSeed): Promise<string> {
  const id = await createExperiment(emulator, seed.slug, { metadata: seed.metadata ?? {}, ...(seed.folderId ? { folder_id: seed.folderId } : {}) });
  const points = seed.points ?? 50;
  const events: MetricEvent[] = [];
  for (const split of ["train", "val"]) for (let step = 0; step < points; step++) events.push(lossPoint(split, step));
  await postMetrics(emulator, id, events);
  if (seed.annotations?.length) {
    const annotations = seed.annotations.map((a, i) => ({ client_event_id: `note-${i}`, text: a.text, timestamp: a.timestamp, metadata: {} }));
    const r = await call(emulator, "POST", `/api/v1/experiments/${id}/annotations`, { body: { annotations } });
    if (r.status !== 200) throw new Error(`annotations: ${r.status} ${JSON.stringify(r.json)}`);
  }
  if (seed.status) await call(emulator, "PATCH", `/api/v1/experiments/${id}`, { body: { status: seed.status } });
  return id;
}

export const at = (step: number): number => T0 + step * 1000;
