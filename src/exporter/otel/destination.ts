/**
 * Turns the destination options into a provisioner (how experiments come to exist, where their
 * events go) and a `close` for what the exporters created themselves: a client built from
 * `apiKey`/`host`, a JSONL writer. A client passed in by the user is theirs and stays open.
 */
import { createSyvainClient } from "../../client/create-client.ts";
import { createJsonlSink } from "../../delivery/jsonl-sink.ts";
import { createJsonlWriter } from "../../delivery/jsonl-writer.ts";
import type { ResolvedExporterOptions, SinkFactory } from "./exporter-options.ts";
import { localProvisioner, restProvisioner, type Provisioner } from "../../destinations/provisioners.ts";

export interface Destination {
  provision: Provisioner;
  /** Closes what the exporters own (never a user's client). Idempotent. */
  close(): Promise<void>;
}

export function openDestination(options: ResolvedExporterOptions): Destination {
  if (options.sink !== undefined) return { provision: localProvisioner(options.sink), close: () => Promise.resolve() };
  if (options.jsonlPath !== undefined) return jsonlDestination(options.jsonlPath);
  if (options.client !== undefined) return { provision: restProvisioner(options.client), close: () => Promise.resolve() };
  const client = createSyvainClient({
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.host === undefined ? {} : { host: options.host }),
  });
  return { provision: restProvisioner(client), close: () => client.close() };
}

/**
 * One file for every experiment, opened at once so a bad path fails at construction. Each experiment starts
 * with an `experiment` record (the same shape the facade's `JsonlCollector` writes), so a reader of
 * the file knows the slug, description, folder and metadata before the first event.
 */
function jsonlDestination(path: string): Destination {
  const writer = createJsonlWriter(path);
  const factory: SinkFactory = ({ id, slug, spec }) => {
    writer.append({
      type: "experiment",
      experiment: slug,
      id,
      slug,
      description: spec.description ?? null,
      folder_id: spec.folderId ?? null,
      // Offline there is nobody to resolve a folder path: keep it as given.
      ...(spec.folderPath === undefined ? {} : { folder_path: spec.folderPath }),
      metadata: spec.metadata,
      status: "created",
      created_at: Date.now(),
    });
    return createJsonlSink({ writer, experiment: { id, slug } });
  };
  return { provision: localProvisioner(factory), close: () => writer.close() };
}
