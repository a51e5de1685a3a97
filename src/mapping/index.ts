/**
 * OTel ⇄ Syvain mapping: pure functions, no I/O. The exporters and the bridge read OTel shapes
 * (ResourceMetrics / ScopeMetrics, ReadableLogRecord) and get Syvain events plus a drop report.
 */
export {
  experimentFromResource,
  resourceAttributesFromExperiment,
  checkSlug,
  SLUG_ATTRIBUTE,
  DESCRIPTION_ATTRIBUTE,
  FOLDER_ID_ATTRIBUTE,
  FOLDER_PATH_ATTRIBUTE,
  SERVICE_NAME_ATTRIBUTE,
  MAX_SLUG_CHARS,
} from "./experiment.ts";
export type {
  ExperimentIdentity,
  ExperimentSpec,
  ExperimentFromResourceOptions,
  ExperimentAttributesInput,
  SlugResolver,
} from "./experiment.ts";
export { flattenMeta, unflattenMeta, escapeKeySegment, parseFlatKey, JSON_LEAF_MARKER } from "./meta-flatten.ts";
export { metricsToEvents } from "./metrics.ts";
export type { MetricsToEventsOptions, MetricsMappingResult } from "./metrics.ts";
export { DEFAULT_STEP_ATTRIBUTE, parseStep } from "./metric-attributes.ts";
export {
  logRecordsToAnnotations,
  groupLogRecordsByResource,
  logBodyToText,
  LOG_METADATA_KEYS,
  ANNOTATION_DROP_NAME,
} from "./logs.ts";
export type { LogRecordsToAnnotationsOptions, AnnotationsMappingResult, ResourceLogRecords } from "./logs.ts";
export { describeDrops } from "./drops.ts";
export type { DroppedPoints, DropReason } from "./drops.ts";
export {
  EVENT_ID_PREFIX,
  metricEventId,
  annotationEventId,
  hrTimeToMillis,
  hrTimeToNanosText,
} from "./event-id.ts";
export { canonicalJson, toJsonValue, BYTES_PREFIX } from "./json.ts";
