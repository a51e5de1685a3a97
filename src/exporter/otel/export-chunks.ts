/**
 * Splits one large export into chunks of at most `EXPORT_CHUNK_ITEMS` data points / log records.
 * Mapped chunk by chunk with a loop turn in between, the first batches are on the wire while the
 * rest is still being mapped, and a large export does not hold the loop for tens of milliseconds.
 *
 * A chunk is what the outbox can start in one turn at the exporters' defaults (`maxBatchItems` ×
 * `maxConcurrentRequests`). While the program that records the points runs (a training loop that
 * yields between bursts of records), each chunk waits for one of its turns: smaller chunks made
 * the mapping, not the sending, the bound (4,096 points a turn where such a loop recorded 5,000
 * and the outbox could send 8,000; docs/performance.md).
 *
 * An export that fits in one chunk is returned as is (no copy): small exports stay synchronous.
 */
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { MetricData, ScopeMetrics } from "@opentelemetry/sdk-metrics";
import { exporterDefaults } from "../../config/defaults.ts";
import { pointCount } from "../../mapping/metrics.ts";

/** One turn's sending at the default options: 8,000 points (mapping them takes a few milliseconds). */
export const EXPORT_CHUNK_ITEMS = exporterDefaults.maxBatchItems.default * exporterDefaults.maxConcurrentRequests.default;

function withPoints(metric: MetricData, from: number, to: number): MetricData {
  const points: unknown = metric.dataPoints;
  if (!Array.isArray(points)) return metric;
  return { ...metric, dataPoints: points.slice(from, to) };
}

export function chunkScopeMetrics(scopeMetrics: readonly ScopeMetrics[], maxPoints = EXPORT_CHUNK_ITEMS): (readonly ScopeMetrics[])[] {
  let total = 0;
  for (const scope of scopeMetrics) for (const metric of scope.metrics) total += pointCount(metric.dataPoints);
  if (total <= maxPoints) return [scopeMetrics];

  const chunks: ScopeMetrics[][] = [];
  let current: ScopeMetrics[] = [];
  let room = maxPoints;
  const close = (): void => {
    chunks.push(current);
    current = [];
    room = maxPoints;
  };
  for (const scope of scopeMetrics) {
    let part: ScopeMetrics | undefined;
    for (const metric of scope.metrics) {
      // Decoded OTLP data may carry a malformed `dataPoints`: counted as one point, as the mapping does.
      const points = pointCount(metric.dataPoints);
      let from = 0;
      do {
        if (room === 0) {
          close();
          part = undefined;
        }
        if (part === undefined) current.push((part = { scope: scope.scope, metrics: [] }));
        const to = Math.min(points, from + room);
        part.metrics.push(from === 0 && to === points ? metric : withPoints(metric, from, to));
        room -= to - from;
        from = to;
      } while (from < points);
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export function chunkRecords(records: readonly ReadableLogRecord[], maxRecords = EXPORT_CHUNK_ITEMS): (readonly ReadableLogRecord[])[] {
  if (records.length <= maxRecords) return [records];
  const chunks: ReadableLogRecord[][] = [];
  for (let from = 0; from < records.length; from += maxRecords) chunks.push(records.slice(from, from + maxRecords));
  return chunks;
}
