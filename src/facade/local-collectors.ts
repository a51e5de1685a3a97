/**
 * The same API without the service: `JsonlCollector` writes one JSON object per line (experiment,
 * status, metric and annotation records; parent folders created; a flush is a durable write), and
 * `NoopCollector` validates everything and does no I/O at all (tests, dry runs).
 */
import { createJsonlSink } from "../delivery/jsonl-sink.ts";
import { createJsonlWriter, type JsonlWriter } from "../delivery/jsonl-writer.ts";
import { createNoopSink } from "../delivery/noop-sink.ts";
import { localExperimentId } from "../destinations/provisioners.ts";
import { CollectorBase, localRecord, type Provisioned } from "./collector-base.ts";
import {
  parseJsonlCollectorOptions,
  parseLocalCollectorOptions,
  type JsonlCollectorOptions,
  type LocalCollectorOptions,
} from "./collector-options.ts";
import type { ExperimentSpec } from "./experiment-options.ts";

export class JsonlCollector extends CollectorBase {
  readonly path: string;
  readonly #writer: JsonlWriter;

  constructor(options: JsonlCollectorOptions) {
    const resolved = parseJsonlCollectorOptions(options);
    super("JsonlCollector", resolved);
    this.path = resolved.path;
    // One file for every experiment of this collector; opened now so a bad path fails here.
    this.#writer = createJsonlWriter(this.path);
  }

  /** Writes the `experiment` record durably (creation is required state), then hands out a sink. */
  protected async provision(spec: ExperimentSpec): Promise<Provisioned> {
    const record = localRecord(localExperimentId(spec.slug), spec, Date.now());
    this.#writer.append({
      type: "experiment",
      experiment: record.slug,
      ...record,
      // Offline there is nobody to resolve a folder path: keep it as given.
      ...(spec.folderPath === undefined ? {} : { folder_path: spec.folderPath }),
    });
    await this.#writer.sync();
    return { record, sink: createJsonlSink({ writer: this.#writer, experiment: { id: record.id, slug: record.slug } }) };
  }

  protected async closeResources(): Promise<void> {
    await this.#writer.close();
  }
}

export class NoopCollector extends CollectorBase {
  constructor(options: LocalCollectorOptions = {}) {
    const resolved = parseLocalCollectorOptions(options, "NoopCollector");
    super("NoopCollector", resolved);
  }

  protected provision(spec: ExperimentSpec): Promise<Provisioned> {
    return Promise.resolve({ record: localRecord(localExperimentId(spec.slug), spec, Date.now()), sink: createNoopSink() });
  }

  protected closeResources(): Promise<void> {
    return Promise.resolve();
  }
}
