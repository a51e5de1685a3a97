/** In-process, read-only access to what the emulator stored, for assertions in tests. */
import type { Experiment, Folder, MetricEvent, SeriesBatch, StoredAnnotation } from "../api/contract.ts";
import { seriesBatch } from "./api-handlers.ts";
import type { EmulatorStore, ExperimentData } from "./emulator-store.ts";

/** Stored totals of one experiment. */
export interface ExperimentTotals {
  id: string;
  slug: string;
  status: Experiment["status"];
  metrics: number;
  annotations: number;
  series: number;
}

export interface EmulatorStoreView {
  /** Every experiment, in creation order. */
  experiments(): Experiment[];
  /** One experiment by id or slug, or `undefined`. */
  experiment(idOrSlug: string): Experiment | undefined;
  folders(): Folder[];
  /** Stored metric events of an experiment (id or slug), in arrival order; throws for an unknown experiment. */
  metrics(idOrSlug: string, filter?: { name?: string }): MetricEvent[];
  /** Stored series of an experiment, one batch per exact metadata mapping, points in step order. */
  series(idOrSlug: string): SeriesBatch[];
  /** Stored annotations of an experiment, in arrival order; throws for an unknown experiment. */
  annotations(idOrSlug: string): StoredAnnotation[];
  /** Per-experiment stored totals. */
  totals(): ExperimentTotals[];
}

export function totalsOf(data: ExperimentData): ExperimentTotals {
  let metrics = 0;
  for (const s of data.series.values()) metrics += s.values.length;
  const { id, slug, status } = data.experiment;
  return { id, slug, status, metrics, annotations: data.annotations.length, series: data.series.size };
}

export function createStoreView(store: EmulatorStore): EmulatorStoreView {
  const need = (idOrSlug: string): ExperimentData => {
    const data = store.lookup(idOrSlug);
    if (!data) throw new Error(`syvain emulator: no experiment with id or slug ${JSON.stringify(idOrSlug)}`);
    return data;
  };
  return {
    experiments: () => store.ordered.map((d) => d.experiment),
    experiment: (idOrSlug) => store.lookup(idOrSlug)?.experiment,
    folders: () => [...store.folders],
    metrics(idOrSlug, filter) {
      const rows: { seq: number; event: MetricEvent }[] = [];
      for (const s of need(idOrSlug).series.values()) {
        if (filter?.name !== undefined && s.name !== filter.name) continue;
        for (let i = 0; i < s.values.length; i++) {
          rows.push({
            seq: s.seqs[i]!,
            event: { client_event_id: s.ids[i]!, name: s.name, value: s.values[i]!, step: s.steps[i] ?? null, timestamp: s.timestamps[i]!, metadata: s.metadata },
          });
        }
      }
      return rows.sort((a, b) => a.seq - b.seq).map((r) => r.event);
    },
    series(idOrSlug) {
      const data = need(idOrSlug);
      return [...data.series.values()].map((s) => seriesBatch(data, s, { axis: "step", direction: "asc" }));
    },
    annotations: (idOrSlug) => [...need(idOrSlug).annotations],
    totals: () => store.ordered.map(totalsOf),
  };
}
