// `syvain-metrics-otel/client`: the Syvain Metrics REST client and the API's record types.
import "./node-version.ts";

export { createSyvainClient } from "./client/create-client.ts";
export type { SyvainClient, SyvainClientOptions, CallOptions } from "./client/client-types.ts";
export type {
  AnnotationEvent,
  Experiment as ExperimentRecord,
  ExperimentStatus,
  Folder,
  JsonObject,
  JsonValue,
  MetricEvent,
  MetricMetadata,
  SeriesBatch,
} from "./api/contract.ts";
