/**
 * OTel ⇄ Syvain mapping: pure functions, no I/O. The exporters read OTel shapes (ResourceMetrics /
 * ScopeMetrics, ReadableLogRecord) and get Syvain events plus a drop report. This index is what
 * other layers use; the helpers behind it are imported from their own files.
 */
export { metricsToEvents } from "./metrics.ts";
export { SteppedSumValues } from "./stepped-sums.ts";
export { logRecordsToAnnotations, groupLogRecordsByResource } from "./logs.ts";
export { describeDrops } from "./drops.ts";
