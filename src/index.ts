// Public API. Named exports only (no `export *`): what is here is what we support.
export { SyvainError, SyvainApiError, SyvainValidationError, DeliveryIncompleteError } from "./errors.ts";
export type { SyvainErrorCode, SyvainErrorOptions, SyvainApiErrorOptions } from "./errors.ts";
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
} from "./exporter/api/contract.ts";
export type { DeliveryOptions, FlushStatus, OutboxStats, OutboxKindStats } from "./exporter/delivery/delivery-types.ts";
