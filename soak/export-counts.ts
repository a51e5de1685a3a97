/** The exporters' per-experiment stats as the soak's client-side counts. */
import type { ExperimentExportStats } from "../src/exporter/otel/exporter-stats.ts";
import type { ClientCounts } from "./ledger.ts";

export function countsFromExportStats(stats: ExperimentExportStats | undefined, extraReasons: string[] = []): ClientCounts {
  if (!stats) return { accepted: 0, duplicates: 0, dropped: 0, failed: 0, pending: 0, reasons: ["the exporters never saw this experiment", ...extraReasons] };
  const { metrics: m, annotations: a } = stats;
  const reasons = [...extraReasons];
  if (m.invalid + a.invalid > 0) reasons.push(`${m.invalid + a.invalid} rejected by the mapping (invalid)`);
  if (m.dropped + a.dropped > 0) reasons.push(`${m.dropped + a.dropped} evicted on queue overflow`);
  if (m.failed + a.failed > 0) reasons.push(`${m.failed + a.failed} failed permanently: ${stats.lastError?.message ?? "no error recorded"}`);
  if (stats.failedExports > 0) reasons.push(`${stats.failedExports} export() calls answered FAILED: ${stats.lastError?.message ?? "no error recorded"}`);
  return {
    accepted: m.accepted + a.accepted,
    duplicates: m.duplicates + a.duplicates,
    dropped: m.dropped + a.dropped + m.invalid + a.invalid,
    failed: m.failed + a.failed,
    pending: m.pending + a.pending,
    reasons,
  };
}
