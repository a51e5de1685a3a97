/**
 * The same API without the service: `JsonlCollector` writes one JSON object per line (experiment,
 * status, metric and annotation records; parent folders created; a flush is a durable write), and
 * `NoopCollector` validates everything and does no I/O at all (tests, dry runs).
 */
import { createNoopSink } from "../delivery/noop-sink.ts";
import { jsonlDestination, localDestination } from "../destinations/local-destination.ts";
import { CollectorBase } from "./collector-base.ts";
import {
  parseJsonlCollectorOptions,
  parseLocalCollectorOptions,
  type JsonlCollectorOptions,
  type LocalCollectorOptions,
} from "./collector-options.ts";

export class JsonlCollector extends CollectorBase {
  readonly path: string;

  /** One file for every experiment of this collector; opened now so a bad path fails here. */
  constructor(options: JsonlCollectorOptions) {
    const resolved = parseJsonlCollectorOptions(options);
    super("JsonlCollector", resolved, jsonlDestination(resolved.path));
    this.path = resolved.path;
  }
}

export class NoopCollector extends CollectorBase {
  constructor(options: LocalCollectorOptions = {}) {
    super("NoopCollector", parseLocalCollectorOptions(options, "NoopCollector"), localDestination(() => createNoopSink()));
  }
}
