/**
 * Turns the destination options into a provisioner (how experiments come to exist, where their
 * events go) and a `close` for what the exporters created themselves: a client built from
 * `apiKey`/`host`, a JSONL writer. A client passed in by the user is theirs and stays open.
 * Experiments of OTel origin are get-or-create (see `destinations/destination.ts`).
 */
import type { SyvainClient } from "../../client/client-types.ts";
import { createSyvainClient } from "../../client/create-client.ts";
import type { Destination as AnyDestination, ExperimentSpec, ProvisionedExperiment } from "../../destinations/destination.ts";
import { jsonlDestination, localDestination } from "../../destinations/local-destination.ts";
import { restDestination } from "../../destinations/rest-destination.ts";
import type { ResolvedExporterOptions } from "./exporter-options.ts";

/** `signal` abandons the creation (its HTTP calls included) when the exporters shut down. */
export type Provisioner = (spec: ExperimentSpec, signal: AbortSignal) => Promise<ProvisionedExperiment>;

export interface Destination {
  provision: Provisioner;
  /** The Syvain client events go through (`undefined` for a JSONL file or a custom sink): a spool replays with it. */
  client: SyvainClient | undefined;
  /** Closes what the exporters own (never a user's client). Idempotent. */
  close(): Promise<void>;
}

export function openDestination(options: ResolvedExporterOptions): Destination {
  const { destination, client } = chooseDestination(options);
  return { provision: (spec, signal) => destination.provision(spec, "get-or-create", signal), client, close: () => destination.close() };
}

function chooseDestination(options: ResolvedExporterOptions): { destination: AnyDestination; client: SyvainClient | undefined } {
  if (options.sink !== undefined) return { destination: localDestination(options.sink), client: undefined };
  if (options.jsonlPath !== undefined) return { destination: jsonlDestination(options.jsonlPath), client: undefined };
  if (options.client !== undefined) return { destination: restDestination(options.client), client: options.client };
  const client = createSyvainClient({
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.host === undefined ? {} : { host: options.host }),
  });
  return { destination: restDestination(client, () => client.close()), client };
}
