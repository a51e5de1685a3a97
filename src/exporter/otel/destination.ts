/**
 * Turns the destination options into a provisioner (how experiments come to exist, where their
 * events go) and a `close` for what the exporters created themselves: a client built from
 * `apiKey`/`host`, a JSONL writer. A client passed in by the user is theirs and stays open.
 */
import { createSyvainClient } from "../client/create-client.ts";
import { createJsonlSink } from "../delivery/jsonl-sink.ts";
import { createJsonlWriter, type JsonlWriter } from "../delivery/jsonl-writer.ts";
import type { ResolvedExporterOptions, SinkFactory } from "./exporter-options.ts";
import { localProvisioner, restProvisioner, type Provisioner } from "./provisioners.ts";

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

/** One file for every experiment; opened when the first experiment needs it. */
function jsonlDestination(path: string): Destination {
  let writer: JsonlWriter | undefined;
  const factory: SinkFactory = ({ id, slug }) => {
    writer ??= createJsonlWriter(path);
    return createJsonlSink({ writer, experiment: { id, slug } });
  };
  return { provision: localProvisioner(factory), close: async () => writer?.close() };
}
