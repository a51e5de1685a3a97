/**
 * Experiments that exist only in this process: nothing to create on a server, the id is local and
 * stable (`local:<slug>`). `localDestination` hands each one a sink from a factory (no-op, a
 * user's sink); `jsonlDestination` first writes its `experiment` record, durably, to the JSONL file
 * all its experiments share. Slugs are tracked as the API tracks them: under the `create` policy
 * a slug this destination already made is a `conflict`, as with the `Collector`.
 */
import type { Experiment } from "../api/contract.ts";
import { SyvainError } from "../api/errors.ts";
import { createJsonlSink } from "../delivery/jsonl-sink.ts";
import { createJsonlWriter, type JsonlRecord } from "../delivery/jsonl-writer.ts";
import { creationFailure, localRecord, slugExistsMessage, type Destination, type ExperimentSpec, type SinkFactory } from "./destination.ts";

export interface LocalDestinationOptions {
  /** Runs once per new experiment, before its sink is handed out (the JSONL record). */
  onCreate?: (record: Experiment, spec: ExperimentSpec) => Promise<void>;
  close?: () => Promise<void>;
}

export function localDestination(factory: SinkFactory, options: LocalDestinationOptions = {}): Destination {
  const made = new Map<string, Experiment>();
  return {
    async provision(spec, policy) {
      const existing = made.get(spec.slug);
      if (existing !== undefined && policy === "create") {
        throw new SyvainError("conflict", slugExistsMessage(spec.slug, existing.id));
      }
      try {
        const record = existing ?? localRecord(spec, Date.now());
        if (existing === undefined) {
          await options.onCreate?.(record, spec);
          made.set(spec.slug, record);
        }
        return { record, id: record.id, sink: factory({ id: record.id, slug: record.slug, spec }) };
      } catch (error) {
        throw creationFailure(spec.slug, policy, error);
      }
    },
    close: options.close ?? (() => Promise.resolve()),
  };
}

/**
 * One file for every experiment, opened at once so a bad path fails at construction. Each
 * experiment starts with an `experiment` record, so a reader of the file knows the slug,
 * description, folder and metadata before the first event; creation is required state, so the
 * record is durable (written and synced) before the experiment is handed out.
 */
export function jsonlDestination(path: string): Destination {
  const writer = createJsonlWriter(path);
  return localDestination(({ id, slug }) => createJsonlSink({ writer, experiment: { id, slug } }), {
    onCreate: async (record, spec) => {
      await writer.commit([jsonlExperimentRecord(record, spec)]);
      await writer.sync();
    },
    close: () => writer.close(),
  });
}

/** The one shape of a JSONL `experiment` record (facade and exporters alike). */
export function jsonlExperimentRecord(record: Experiment, spec: ExperimentSpec): JsonlRecord {
  return {
    type: "experiment",
    experiment: record.slug,
    ...record,
    // Offline there is nobody to resolve a folder path: keep it as given.
    ...(spec.folderPath === undefined ? {} : { folder_path: spec.folderPath }),
  };
}
