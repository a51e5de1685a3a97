// The root entry: the facade and the errors it throws. Named exports only (no `export *`): what is
// here is what we support. It loads neither the OpenTelemetry SDK, the bridge nor undici at import
// (see test/architecture/entry-points.test.ts); OTel users import "syvain-metrics-otel/otel".
// The version check comes first so an old Node fails with one line, before anything else runs.
import "./node-version.ts";

export { Collector, JsonlCollector, NoopCollector, Experiment, facadeLimits } from "./facade/index.ts";
export type {
  AnnotationOptions,
  CollectorOptions,
  ExperimentLoggerProviderOptions,
  ExperimentMeterProviderOptions,
  ExperimentOptions,
  ExperimentStats,
  FlushOrRaiseOptions,
  JsonlCollectorOptions,
  LocalCollectorOptions,
  MetricOptions,
  RunOptions,
  RunScope,
} from "./facade/index.ts";
export { SyvainError, SyvainApiError, SyvainValidationError } from "./api/errors.ts";
export { DeliveryIncompleteError } from "./delivery/delivery-errors.ts";
export type { SyvainErrorCode, SyvainErrorOptions, SyvainApiErrorOptions } from "./api/errors.ts";
export type { Experiment as ExperimentRecord, ExperimentStatus, JsonObject, JsonValue, MetricMetadata } from "./api/contract.ts";
export type { DeliveryOptions, FlushStatus, OutboxStats, OutboxKindStats } from "./delivery/delivery-types.ts";
