/**
 * The emulator's data: experiments, folders, metric series, annotations, the per-experiment dedup
 * set and the idempotency records. Synchronous and in memory; `persistence.ts` saves and loads it.
 */
import type {
  AnnotationEvent,
  Experiment,
  ExperimentStatus,
  Folder,
  IngestResult,
  JsonObject,
  MetricEvent,
  MetricMetadata,
} from "../api/contract.ts";

export interface StoredSeries {
  name: string;
  metadata: MetricMetadata;
  steps: (number | null)[];
  timestamps: number[];
  values: number[];
  ids: string[];
  /** Arrival sequence numbers (per experiment), to list events across series in arrival order. */
  seqs: number[];
}

/** A series and its metadata as a `Map`, for `sameMetadata`. */
export interface SeriesEntry {
  series: StoredSeries;
  fields: ReadonlyMap<string, MetricMetadata[string]>;
}

export interface ExperimentData {
  experiment: Experiment;
  /** Canonical key (name + metadata with sorted keys) → series. */
  series: Map<string, StoredSeries>;
  /** Fast path: name → a few of its series, compared by shallow metadata equality (no key building). */
  seriesByName: Map<string, SeriesEntry[]>;
  annotations: AnnotationEvent[];
  /** `client_event_id`s stored in this experiment, metrics and annotations alike. */
  seen: Set<string>;
  nextSeq: number;
}

export interface IdempotencyRecord {
  fingerprint: string;
  status: number;
  body: string;
  expiresAt: number;
}

export interface NewExperiment {
  slug: string;
  description: string | null;
  folder_id: string | null;
  metadata: JsonObject;
}

const ROOT_FOLDER_ID = "00000000-0000-7000-8000-000000000000";

export class EmulatorStore {
  readonly byId = new Map<string, ExperimentData>();
  readonly bySlug = new Map<string, ExperimentData>();
  /** In creation order: list pagination uses positions in it. */
  readonly ordered: ExperimentData[] = [];
  readonly folders: Folder[] = [{ id: ROOT_FOLDER_ID, path: "/", parent_id: null }];
  readonly idempotency = new Map<string, IdempotencyRecord>();

  addFolder(folder: Folder): void {
    this.folders.push(folder);
  }

  folder(id: string): Folder | undefined {
    return this.folders.find((f) => f.id === id);
  }

  addExperiment(experiment: Experiment): ExperimentData {
    const data: ExperimentData = {
      experiment,
      series: new Map(),
      seriesByName: new Map(),
      annotations: [],
      seen: new Set(),
      nextSeq: 0,
    };
    this.byId.set(experiment.id, data);
    this.bySlug.set(experiment.slug, data);
    this.ordered.push(data);
    return data;
  }

  /** By id, then by slug. */
  lookup(idOrSlug: string): ExperimentData | undefined {
    return this.byId.get(idOrSlug) ?? this.bySlug.get(idOrSlug);
  }

  setStatus(data: ExperimentData, status: ExperimentStatus): Experiment {
    data.experiment = { ...data.experiment, status };
    return data.experiment;
  }

  ingestMetrics(data: ExperimentData, events: readonly MetricEvent[]): IngestResult {
    const seen = data.seen;
    let accepted = 0;
    let duplicates = 0;
    // The events of a batch mostly continue one series: try the last one before any lookup.
    let last: SeriesEntry | undefined;
    for (const event of events) {
      const id = event.client_event_id;
      // One hash lookup instead of has() + add(): the size tells whether the id was new.
      const before = seen.size;
      seen.add(id);
      if (seen.size === before) {
        duplicates++;
        continue;
      }
      const metadata = event.metadata;
      if (last === undefined || last.series.name !== event.name || !sameMetadata(last.fields, metadata)) {
        last = this.#seriesFor(data, event.name, metadata);
      }
      const series = last.series;
      series.steps.push(event.step);
      series.timestamps.push(event.timestamp);
      series.values.push(event.value);
      series.ids.push(id);
      series.seqs.push(data.nextSeq++);
      accepted++;
    }
    return { accepted, duplicates };
  }

  ingestAnnotations(data: ExperimentData, events: readonly AnnotationEvent[]): IngestResult {
    let accepted = 0;
    let duplicates = 0;
    for (const event of events) {
      if (data.seen.has(event.client_event_id)) {
        duplicates++;
        continue;
      }
      data.seen.add(event.client_event_id);
      // Keep only the contract's fields: the client may send more, the server stores these.
      data.annotations.push({ client_event_id: event.client_event_id, text: event.text, timestamp: event.timestamp, metadata: event.metadata });
      accepted++;
    }
    return { accepted, duplicates };
  }

  #seriesFor(data: ExperimentData, name: string, metadata: MetricMetadata): SeriesEntry {
    const candidates = data.seriesByName.get(name);
    if (candidates) for (const c of candidates) if (sameMetadata(c.fields, metadata)) return c;
    const canonical = canonicalSeriesKey(name, metadata);
    let series = data.series.get(canonical);
    if (!series) {
      series = { name, metadata: { ...metadata }, steps: [], timestamps: [], values: [], ids: [], seqs: [] };
      data.series.set(canonical, series);
    }
    const entry: SeriesEntry = { series, fields: new Map(Object.entries(series.metadata)) };
    // Bounded, so a high-cardinality name costs a short scan and then the canonical key.
    const list = candidates ?? [];
    if (list.length < FAST_PATH_SERIES_PER_NAME) list.push(entry);
    data.seriesByName.set(name, list);
    return entry;
  }

  /** Restores a series from a snapshot (ids go back into the dedup set). */
  restoreSeries(data: ExperimentData, series: StoredSeries): void {
    const key = canonicalSeriesKey(series.name, series.metadata);
    data.series.set(key, series);
    for (const id of series.ids) data.seen.add(id);
    for (const seq of series.seqs) if (seq >= data.nextSeq) data.nextSeq = seq + 1;
  }

  restoreAnnotations(data: ExperimentData, annotations: AnnotationEvent[]): void {
    data.annotations = annotations;
    for (const a of annotations) data.seen.add(a.client_event_id);
  }

  /** Drops idempotency records past their TTL. */
  pruneIdempotency(now: number): void {
    for (const [key, record] of this.idempotency) if (record.expiresAt <= now) this.idempotency.delete(key);
  }
}

const FAST_PATH_SERIES_PER_NAME = 16;

/**
 * Same mapping (key order aside): values are scalars, so `===` per key plus the key count decide.
 * The stored side is a `Map`: a keyed property load on an object with names that come from
 * another object's for…in sends V8 into a deoptimisation loop (and would see inherited names).
 */
function sameMetadata(stored: ReadonlyMap<string, MetricMetadata[string]>, incoming: MetricMetadata): boolean {
  let count = 0;
  for (const key in incoming) {
    if (stored.get(key) !== incoming[key]) return false;
    count++;
  }
  return count === stored.size;
}

/** Series identity: the name and the exact metadata mapping, independent of key order. */
function canonicalSeriesKey(name: string, metadata: MetricMetadata): string {
  const keys = Object.keys(metadata).sort();
  return `${name}\u0000${JSON.stringify(keys.map((k) => [k, metadata[k]]))}`;
}
