/**
 * What the viewer's pages show, computed from an `EmulatorStore` (the live emulator's, or one
 * loaded from a file by `syvain-otel view`): the experiment list, one experiment's metrics and
 * annotations, and a metric's chart data, downsampled. Reads only: nothing here changes the store.
 */
import type { Experiment, JsonObject, MetricMetadata } from "../../api/contract.ts";
import type { EmulatorStore, ExperimentData, StoredSeries } from "../emulator-store.ts";
import { ascendingOrder, downsampleMinMax, positionOf } from "./downsample.ts";

export interface ExperimentRow {
  id: string;
  slug: string;
  status: Experiment["status"];
  created_at: number;
  description: string | null;
  /** The folder's path (`/team/project`), or null. */
  folder: string | null;
  metadata: JsonObject;
  points: number;
  annotations: number;
}

export interface ExperimentDetail {
  experiment: ExperimentRow;
  /** Metric names in first-seen order, with their series' metadata and point counts. */
  metrics: { name: string; series: { label: string; metadata: MetricMetadata; points: number }[] }[];
  annotations: { text: string; timestamp: number; metadata: JsonObject }[];
}

/** One chart: x is the step, or the time in seconds (uPlot's unit) when the metric has no steps. */
export interface MetricChart {
  axis: "step" | "time";
  series: { experiment: string; label: string; metadata: MetricMetadata; total: number; x: number[]; y: number[] }[];
  /** Annotation markers, placed on this chart's x axis. */
  annotations: { x: number; text: string }[];
}

export interface ChartRequest {
  buckets: number;
  from?: number;
  to?: number;
}

function rowOf(store: EmulatorStore, data: ExperimentData): ExperimentRow {
  const e = data.experiment;
  let points = 0;
  for (const s of data.series.values()) points += s.values.length;
  const folder = e.folder_id === null ? null : (store.folder(e.folder_id)?.path ?? null);
  return { id: e.id, slug: e.slug, status: e.status, created_at: e.created_at, description: e.description, folder, metadata: e.metadata, points, annotations: data.annotations.length };
}

/** `split=train, lr=0.1`, or the metric name for a series without metadata. */
export function seriesLabel(name: string, metadata: MetricMetadata): string {
  const parts = Object.keys(metadata)
    .sort()
    .map((k) => `${k}=${String(metadata[k])}`);
  return parts.length === 0 ? name : parts.join(", ");
}

export function listExperiments(store: EmulatorStore): ExperimentRow[] {
  return store.ordered.map((data) => rowOf(store, data));
}

export function experimentDetail(store: EmulatorStore, idOrSlug: string): ExperimentDetail | undefined {
  const data = store.lookup(idOrSlug);
  if (!data) return undefined;
  const metrics = new Map<string, ExperimentDetail["metrics"][number]>();
  for (const s of data.series.values()) {
    let entry = metrics.get(s.name);
    if (!entry) metrics.set(s.name, (entry = { name: s.name, series: [] }));
    entry.series.push({ label: seriesLabel(s.name, s.metadata), metadata: s.metadata, points: s.values.length });
  }
  const annotations = data.annotations.map((a) => ({ text: a.text, timestamp: a.timestamp, metadata: a.metadata }));
  return { experiment: rowOf(store, data), metrics: [...metrics.values()], annotations };
}

/** A metric charts by step unless none of its points (in any experiment shown) has one. */
function axisOf(series: readonly StoredSeries[]): MetricChart["axis"] {
  for (const s of series) for (const step of s.steps) if (step !== null) return "step";
  return "time";
}

/** x and y of a series on `axis`; points without a step are left out of a step chart. */
function pointsOf(s: StoredSeries, axis: MetricChart["axis"]): { x: ArrayLike<number>; y: ArrayLike<number> } {
  if (axis === "time") return { x: s.timestamps.map((t) => t / 1000), y: s.values };
  if (!s.steps.includes(null)) return { x: s.steps as number[], y: s.values };
  const x: number[] = [];
  const y: number[] = [];
  s.steps.forEach((step, i) => {
    if (step === null) return;
    x.push(step);
    y.push(s.values[i]!);
  });
  return { x, y };
}

/**
 * Where an annotation goes on a step axis: the step of the last point (of these series) logged at
 * or before the annotation's time, since annotations carry a time and no step.
 */
function stepAt(series: readonly StoredSeries[], byTime: readonly Uint32Array[], timestamp: number): number | undefined {
  let bestTime = -Infinity;
  let bestStep: number | undefined;
  series.forEach((s, n) => {
    const order = byTime[n]!;
    const lo = positionOf(s.timestamps, order, timestamp, true);
    // Walk back over points without a step (rare): they cannot place a marker.
    for (let p = lo - 1; p >= 0; p--) {
      const i = order[p]!;
      const step = s.steps[i];
      if (step === null || step === undefined) continue;
      if (s.timestamps[i]! > bestTime) {
        bestTime = s.timestamps[i]!;
        bestStep = step;
      }
      break;
    }
  });
  return bestStep;
}

/** The chart of metric `name` across `experiments` (one for an experiment page, 2–5 to compare). */
export function metricChart(store: EmulatorStore, experiments: readonly string[], name: string, request: ChartRequest): MetricChart | undefined {
  const found = experiments.map((idOrSlug) => store.lookup(idOrSlug));
  if (found.some((d) => d === undefined)) return undefined;
  const datas = found as ExperimentData[];
  const perExperiment = datas.map((data) => [...data.series.values()].filter((s) => s.name === name));
  const axis = axisOf(perExperiment.flat());
  const chart: MetricChart = { axis, series: [], annotations: [] };
  const compare = datas.length > 1;
  datas.forEach((data, e) => {
    for (const s of perExperiment[e]!) {
      const { x, y } = pointsOf(s, axis);
      const reduced = downsampleMinMax(x, y, request);
      const label = seriesLabel(name, s.metadata);
      chart.series.push({ experiment: data.experiment.slug, label: compare ? `${data.experiment.slug}: ${label}` : label, metadata: s.metadata, total: x.length, ...reduced });
    }
  });
  // Markers belong to one run: a compare chart would mix several runs' notes, so it has none.
  if (!compare) {
    const own = perExperiment[0]!;
    const byTime = axis === "step" ? own.map((s) => ascendingOrder(s.timestamps)) : [];
    for (const a of datas[0]!.annotations) {
      const x = axis === "time" ? a.timestamp / 1000 : stepAt(own, byTime, a.timestamp);
      if (x !== undefined) chart.annotations.push({ x, text: a.text });
    }
  }
  return chart;
}
