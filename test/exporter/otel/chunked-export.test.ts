/**
 * Exports larger than one chunk are mapped and queued chunk by chunk (`export-chunks.ts`): they
 * still answer exactly once, keep their order per experiment, count every rejected point, are
 * included in a `forceFlush()` / `shutdown()` that starts before their last chunk is queued, and
 * report a queue overflow with the total evicted.
 */
import { ExportResultCode } from "@opentelemetry/core";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ResourceMetrics, ScopeMetrics } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { SyvainError } from "../../../src/api/errors.ts";
import type { Batch } from "../../../src/delivery/delivery-types.ts";
import { SyvainMetricExporter } from "../../../src/exporter/metric-exporter.ts";
import type { SyvainExportResult } from "../../../src/exporter/otel/export-callback.ts";
import { EXPORT_CHUNK_ITEMS, chunkRecords, chunkScopeMetrics } from "../../../src/exporter/otel/export-chunks.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { collectGauge, exportOnce, shutDownAndDrain } from "./helpers.ts";
import { GatedSink } from "./test-sinks.ts";

const LARGE = EXPORT_CHUNK_ITEMS * 2 + 123;

const steps = (batches: readonly Batch[]): (number | null | undefined)[] =>
  batches.flatMap((batch) => (batch.kind === "metric" ? batch.items.map((event) => event.step) : []));
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/** `export()` with every callback call recorded. */
function exportRecorded(exporter: SyvainMetricExporter, data: ResourceMetrics): { results: SyvainExportResult[]; answered: Promise<SyvainExportResult> } {
  const results: SyvainExportResult[] = [];
  const answered = new Promise<SyvainExportResult>((resolve) => {
    exporter.export(data, (result) => {
      results.push(result as SyvainExportResult);
      resolve(result as SyvainExportResult);
    });
  });
  return { results, answered };
}

/** A known experiment (its creation done by a first, small export), on an open sink. */
async function warmExporter(slug: string, options: { maxQueueItems?: number; sink?: GatedSink } = {}) {
  const sink = options.sink ?? new GatedSink({ open: true });
  const exporter = new SyvainMetricExporter({ sink: () => sink, ...(options.maxQueueItems === undefined ? {} : { maxQueueItems: options.maxQueueItems }) });
  const resource = syvainResource({ slug });
  await exportOnce(exporter, await collectGauge(resource, 0));
  return { exporter, sink, resource };
}

describe("chunking", () => {
  const points = (chunks: readonly (readonly ScopeMetrics[])[]): string[][] =>
    chunks.map((chunk) => chunk.flatMap((scope) => scope.metrics.flatMap((metric) => metric.dataPoints.map((point) => `${scope.scope.name}/${metric.descriptor.name}/${JSON.stringify(point.value)}`))));

  it("splits data points across scopes and metrics into chunks of at most the limit, in order, each point once", async () => {
    const a = await collectGauge(syvainResource({ slug: "a" }), 7);
    const b = await collectGauge(syvainResource({ slug: "b" }), 4, 100);
    const scopes: ScopeMetrics[] = [
      { scope: { name: "first" }, metrics: [...a.scopeMetrics[0]!.metrics, ...b.scopeMetrics[0]!.metrics] },
      { scope: { name: "second" }, metrics: b.scopeMetrics[0]!.metrics },
    ];
    const chunks = chunkScopeMetrics(scopes, 3);
    const whole = points([scopes]).flat();
    expect(whole).toHaveLength(15);
    expect(points(chunks).flat()).toEqual(whole);
    expect(points(chunks).map((chunk) => chunk.length)).toEqual([3, 3, 3, 3, 3]);
    expect(chunkScopeMetrics(scopes, whole.length)[0]).toBe(scopes); // fits: returned as is
  });

  it("splits log records the same way", () => {
    const records = range(0, 10).map((i) => ({ body: i }) as unknown as ReadableLogRecord);
    const chunks = chunkRecords(records, 4);
    expect(chunks.map((chunk) => chunk.length)).toEqual([4, 4, 2]);
    expect(chunks.flat()).toEqual(records);
    expect(chunkRecords(records, 10)[0]).toBe(records);
  });
});

describe("a large export", () => {
  it("answers exactly once, and a forceFlush() started right after export() delivers every point", async () => {
    const { exporter, sink, resource } = await warmExporter("large");
    const { results, answered } = exportRecorded(exporter, await collectGauge(resource, LARGE));
    await exporter.forceFlush();
    expect(steps(sink.delivered)).toEqual(range(0, LARGE));
    expect((await answered).code).toBe(ExportResultCode.SUCCESS);
    await shutDownAndDrain(exporter); // every path that could answer again has run
    expect(results).toHaveLength(1);
  });

  it("is queued before a later export to the same experiment", async () => {
    const { exporter, sink, resource } = await warmExporter("order");
    const large = exportRecorded(exporter, await collectGauge(resource, LARGE));
    const small = exportRecorded(exporter, await collectGauge(resource, 5, LARGE));
    await Promise.all([large.answered, small.answered]);
    await exporter.forceFlush();
    expect(steps(sink.delivered)).toEqual(range(0, LARGE + 5));
    await exporter.shutdown();
  });

  it("is delivered in full by a shutdown() started right after export()", async () => {
    const { exporter, sink, resource } = await warmExporter("shutdown");
    const { answered } = exportRecorded(exporter, await collectGauge(resource, LARGE));
    await exporter.shutdown();
    expect((await answered).code).toBe(ExportResultCode.SUCCESS);
    expect(steps(sink.delivered)).toEqual(range(0, LARGE));
  });

  it("counts each rejected point once, in its result and in stats().invalid", async () => {
    const { exporter, sink, resource } = await warmExporter("invalid");
    const data = await collectGauge(resource, LARGE);
    const dataPoints = data.scopeMetrics[0]!.metrics[0]!.dataPoints as { value: number }[];
    const poisoned = range(0, LARGE).filter((i) => i % 1000 === 7);
    for (const i of poisoned) dataPoints[i]!.value = Number.NaN;
    const { answered } = exportRecorded(exporter, data);
    const result = await answered;
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(result.invalid).toBe(poisoned.length);
    await exporter.forceFlush();
    expect(exporter.stats()[0]?.metrics.invalid).toBe(poisoned.length);
    expect(steps(sink.delivered)).toEqual(range(0, LARGE).filter((i) => !poisoned.includes(i)));
    await exporter.shutdown();
  });

  it("fails once with queue_overflow naming the total evicted over all chunks", async () => {
    const sink = new GatedSink({ open: true });
    const maxQueueItems = 100;
    const { exporter, resource } = await warmExporter("overflow", { maxQueueItems, sink });
    sink.hold();
    const { results, answered } = exportRecorded(exporter, await collectGauge(resource, LARGE));
    const result = await answered;
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error instanceof SyvainError ? result.error.code : undefined).toBe("queue_overflow");
    const dropped = exporter.stats()[0]?.metrics.dropped ?? 0;
    expect(dropped).toBeGreaterThan(EXPORT_CHUNK_ITEMS); // more than one chunk evicted
    expect(result.error?.message).toContain(` ${dropped} oldest queued events were evicted`);
    expect(exporter.stats()[0]?.failedExports).toBe(1);
    sink.release();
    await exporter.shutdown();
    expect(results).toHaveLength(1);
  });
});
