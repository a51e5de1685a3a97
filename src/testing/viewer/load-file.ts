/**
 * `syvain-otel view <file>` input: an emulator `--data-file` (one JSON snapshot) or a JSONL file
 * written by `JsonlCollector`, the OTel exporters' JSONL destination or `bridge --jsonl`
 * (experiment, status, metric and annotation records), loaded into a fresh in-memory store.
 */
import { readFile } from "node:fs/promises";
import type { AnnotationEvent, Experiment, ExperimentStatus, JsonObject, MetricEvent } from "../../api/contract.ts";
import { experimentStatuses } from "../../api/contract.ts";
import { SyvainValidationError } from "../../api/errors.ts";
import { EmulatorStore } from "../emulator-store.ts";
import type { ExperimentData } from "../emulator-store.ts";
import { loadStore } from "../persistence.ts";

export interface LoadedFile {
  store: EmulatorStore;
  format: "data-file" | "jsonl";
  /** A last line cut short (the writer was killed mid-write): left out, not an error. */
  truncatedLastLine: boolean;
}

type Row = Record<string, unknown>;

const isObject = (value: unknown): value is Row => typeof value === "object" && value !== null && !Array.isArray(value);

function looksLikeDataFile(text: string): boolean {
  // A snapshot is one object whose first key is "version"; a JSONL record starts with "type".
  return /^\s*\{\s*"version"\s*:/.test(text);
}

class JsonlLoader {
  readonly store = new EmulatorStore();
  readonly #metrics = new Map<ExperimentData, MetricEvent[]>();
  readonly #annotations = new Map<ExperimentData, AnnotationEvent[]>();
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  bad(line: number, field: string, value: unknown, why: string): SyvainValidationError {
    return new SyvainValidationError(field, value, `syvain-otel view: ${this.#file} line ${line}: ${why}`, "config");
  }

  #folderId(path: string): string {
    const id = `jsonl-folder:${path}`;
    if (!this.store.folder(id)) this.store.addFolder({ id, path, parent_id: null });
    return id;
  }

  #experiment(slug: string, record?: Row): ExperimentData {
    const known = this.store.lookup(slug);
    if (known) return known;
    const folderPath = typeof record?.folder_path === "string" ? record.folder_path : undefined;
    const experiment: Experiment = {
      id: typeof record?.id === "string" ? record.id : `jsonl:${slug}`,
      slug,
      description: typeof record?.description === "string" ? record.description : null,
      folder_id: folderPath !== undefined ? this.#folderId(folderPath) : typeof record?.folder_id === "string" ? record.folder_id : null,
      metadata: isObject(record?.metadata) ? (record.metadata as JsonObject) : {},
      status: "created",
      created_at: typeof record?.created_at === "number" ? record.created_at : 0,
    };
    return this.store.addExperiment(experiment);
  }

  add(row: Row, line: number): void {
    const slug = row.experiment;
    if (typeof slug !== "string" || slug === "") throw this.bad(line, "experiment", slug, "every record needs an `experiment` slug");
    const data = this.#experiment(slug, row.type === "experiment" ? row : undefined);
    switch (row.type) {
      case "experiment":
        return;
      case "status": {
        const status = row.status as ExperimentStatus;
        if (!experimentStatuses.includes(status)) throw this.bad(line, "status", row.status, `status must be one of ${experimentStatuses.join(", ")}`);
        this.store.setStatus(data, status);
        return;
      }
      case "metric":
        if (typeof row.name !== "string" || typeof row.value !== "number" || typeof row.timestamp !== "number") {
          throw this.bad(line, "metric", row.name, "a metric record needs name (string), value and timestamp (numbers)");
        }
        push(this.#metrics, data, {
          client_event_id: typeof row.client_event_id === "string" ? row.client_event_id : `line-${line}`,
          name: row.name,
          value: row.value,
          step: typeof row.step === "number" ? row.step : null,
          timestamp: row.timestamp,
          metadata: isObject(row.metadata) ? (row.metadata as MetricEvent["metadata"]) : {},
        });
        return;
      case "annotation":
        if (typeof row.text !== "string" || typeof row.timestamp !== "number") throw this.bad(line, "annotation", row.text, "an annotation record needs text and timestamp");
        push(this.#annotations, data, {
          client_event_id: typeof row.client_event_id === "string" ? row.client_event_id : `line-${line}`,
          text: row.text,
          timestamp: row.timestamp,
          metadata: isObject(row.metadata) ? (row.metadata as JsonObject) : {},
        });
        return;
      default:
        throw this.bad(line, "type", row.type, "type must be experiment, status, metric or annotation");
    }
  }

  /** Ingests what was collected, through the store's own dedup (a replayed line counts once). */
  finish(): EmulatorStore {
    for (const [data, events] of this.#metrics) this.store.ingestMetrics(data, events);
    for (const [data, events] of this.#annotations) this.store.ingestAnnotations(data, events);
    return this.store;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export async function loadViewerFile(file: string): Promise<LoadedFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new SyvainValidationError("file", file, `syvain-otel view: cannot read ${JSON.stringify(file)}: ${(error as Error).message}`, "config");
  }
  if (looksLikeDataFile(text)) {
    const store = new EmulatorStore();
    await loadStore(file, store, Date.now());
    return { store, format: "data-file", truncatedLastLine: false };
  }
  const loader = new JsonlLoader(file);
  const lines = text.split("\n");
  let truncatedLastLine = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "") continue;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (error) {
      // Only the very last line may be cut short (no newline after it yet).
      if (i === lines.length - 1) {
        truncatedLastLine = true;
        continue;
      }
      throw loader.bad(i + 1, "line", raw.slice(0, 80), `not JSON (${(error as Error).message}); expected a JSONL record or an emulator data file`);
    }
    if (!isObject(row)) throw loader.bad(i + 1, "line", raw.slice(0, 80), "a JSONL record must be an object");
    loader.add(row, i + 1);
  }
  return { store: loader.finish(), format: "jsonl", truncatedLastLine };
}
