/**
 * Structural checks of what the OTLP decoders return, for property tests: whatever bytes
 * produced it, a successful decode must hand the exporters SDK shapes they can read (times as
 * HrTime pairs of finite numbers, attributes of OTel attribute types, points matching their
 * point type). Returns readable problems instead of throwing, so a failing fuzz case can name
 * its input.
 */
import { DataPointType, type MetricData } from "@opentelemetry/sdk-metrics";
import type { DecodedLogsRequest, DecodedMetricsRequest } from "../../../src/bridge/otlp/decoded-types.ts";

const isFiniteNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** `[seconds, nanos]`: finite, non-negative integers, nanos below one second. */
function hrTimeProblem(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length !== 2) return `not an HrTime pair: ${JSON.stringify(value)}`;
  const [seconds, nanos] = value as unknown[];
  if (!isFiniteNumber(seconds) || !isFiniteNumber(nanos)) return `HrTime with a non-finite part: ${String(value)}`;
  if (!Number.isInteger(seconds) || seconds < 0 || !Number.isInteger(nanos) || nanos < 0 || nanos >= 1e9) return `HrTime out of range: ${String(value)}`;
  return undefined;
}

const isScalarAttribute = (value: unknown): boolean => ["string", "number", "boolean"].includes(typeof value);

function attributesProblem(attributes: unknown): string | undefined {
  if (attributes === null || typeof attributes !== "object" || Array.isArray(attributes)) return "attributes are not an object";
  for (const [key, value] of Object.entries(attributes)) {
    const ok = isScalarAttribute(value) || (Array.isArray(value) && value.every((v: unknown) => v === null || v === undefined || isScalarAttribute(v)));
    if (!ok) return `attribute ${JSON.stringify(key)} has a non-attribute value ${String(value)}`;
  }
  return undefined;
}

function valueProblem(metric: MetricData, value: unknown): string | undefined {
  switch (metric.dataPointType) {
    case DataPointType.GAUGE:
    case DataPointType.SUM:
      // NaN is allowed through (a NO_RECORDED_VALUE point, or a sender's NaN): the mapping rejects it with a reason.
      return typeof value === "number" ? undefined : `a ${typeof value} value on a number point`;
    case DataPointType.HISTOGRAM: {
      const h = value as { count?: unknown; buckets?: { boundaries?: unknown; counts?: unknown } } | undefined;
      if (!isFiniteNumber(h?.count)) return "histogram point without a finite count";
      if (!Array.isArray(h.buckets?.boundaries) || !Array.isArray(h.buckets.counts)) return "histogram point without bucket arrays";
      return undefined;
    }
    case DataPointType.EXPONENTIAL_HISTOGRAM: {
      const e = value as { count?: unknown; scale?: unknown; positive?: { bucketCounts?: unknown }; negative?: { bucketCounts?: unknown } } | undefined;
      if (!isFiniteNumber(e?.count) || !isFiniteNumber(e.scale)) return "exponential histogram point without a finite count and scale";
      if (!Array.isArray(e.positive?.bucketCounts) || !Array.isArray(e.negative?.bucketCounts)) return "exponential histogram point without bucket counts";
      return undefined;
    }
  }
}

/** Every structural problem of a decoded metrics request (empty when well-formed). */
export function metricsShapeProblems(decoded: DecodedMetricsRequest): string[] {
  const problems: string[] = [];
  let points = 0;
  for (const [r, resourceMetrics] of decoded.resourceMetrics.entries()) {
    const resourceProblem = attributesProblem(resourceMetrics.resource.attributes);
    if (resourceProblem !== undefined) problems.push(`resource ${r}: ${resourceProblem}`);
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      if (typeof scopeMetrics.scope.name !== "string") problems.push(`resource ${r}: a scope without a name string`);
      for (const metric of scopeMetrics.metrics) {
        const where = `metric ${JSON.stringify(metric.descriptor.name)}`;
        if (metric.descriptor.name === "") problems.push(`${where}: empty name`);
        if (metric.dataPoints.length === 0) problems.push(`${where}: no data points`);
        for (const point of metric.dataPoints) {
          points += 1;
          const pointProblem =
            hrTimeProblem(point.startTime) ?? hrTimeProblem(point.endTime) ?? attributesProblem(point.attributes) ?? valueProblem(metric, point.value);
          if (pointProblem !== undefined) problems.push(`${where}: ${pointProblem}`);
        }
      }
    }
  }
  if (points !== decoded.dataPointCount) problems.push(`dataPointCount is ${decoded.dataPointCount} but ${points} points were handed on`);
  if (!Number.isInteger(decoded.rejected.count) || decoded.rejected.count < 0) problems.push(`rejected count ${decoded.rejected.count}`);
  return problems;
}

/** Every structural problem of a decoded logs request (empty when well-formed). */
export function logsShapeProblems(decoded: DecodedLogsRequest): string[] {
  const problems: string[] = [];
  for (const [i, record] of decoded.logRecords.entries()) {
    const problem = hrTimeProblem(record.hrTime) ?? hrTimeProblem(record.hrTimeObserved) ?? attributesProblem(record.attributes) ?? attributesProblem(record.resource.attributes);
    if (problem !== undefined) problems.push(`log record ${i}: ${problem}`);
  }
  return problems;
}
