/**
 * The facade's input rules, in one place so the docs, the validators and the tests agree.
 * Server-side limits come from the API contract (`apiLimits`); the rest are this package's choice.
 */
import { apiLimits } from "../api/contract.ts";

export const facadeLimits = {
  /** Metric names: the OpenTelemetry instrument-name syntax, so one name works in both faces. */
  metricNamePattern: /^[A-Za-z][A-Za-z0-9_./-]*$/,
  maxMetricNameChars: 255,
  /** Metric metadata labels series: a handful of scalar keys, not payloads. */
  maxMetricMetadataKeys: 32,
  maxMetadataKeyChars: 255,
  maxMetricMetadataStringChars: 1024,
  maxAnnotationTextChars: apiLimits.maxAnnotationTextChars,
  maxAnnotationMetadataBytes: apiLimits.maxAnnotationMetadataBytes,
  /** Nesting depth of annotation metadata and experiment meta. */
  maxJsonDepth: 32,
  /** Timestamps below this are seconds since the epoch, at or above it milliseconds. */
  secondsThreshold: 10_000_000_000,
  /** The latest instant a `Date` can hold, in ms: past it the server (safe-integer ms) rejects the whole batch. */
  maxTimestampMs: 8.64e15,
} as const;
