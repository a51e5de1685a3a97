/**
 * An export is one burst (a whole collection), so the exporters send it in the largest requests the
 * API takes (1000 events) with up to 8 in flight, where the facade's delivery defaults are 500 and 4:
 * a producer that yields only between bursts of records lets the outbox start requests only then.
 * An export of up to what those 8 requests hold is mapped and queued at once (one chunk). A user's
 * own `maxBatchItems` / `maxConcurrentRequests` still decide.
 */
import { ExportResultCode } from "@opentelemetry/core";
import { describe, expect, it } from "vitest";
import { apiLimits } from "../../../src/api/contract.ts";
import type { Batch } from "../../../src/delivery/delivery-types.ts";
import { SyvainMetricExporter } from "../../../src/exporter/metric-exporter.ts";
import type { SyvainExporterOptions } from "../../../src/exporter/otel/exporter-options.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { collectGauge, drainPendingWork, exportOnce, shutDownAndDrain } from "./helpers.ts";
import { GatedSink } from "./test-sinks.ts";

const metricBatchSizes = (batches: readonly Batch[]): number[] => batches.flatMap((batch) => (batch.kind === "metric" ? [batch.items.length] : []));

/** Exports `points` steps of one gauge while the sink holds every request; gives the requests started. */
async function burst(points: number, options: Omit<SyvainExporterOptions, "sink"> = {}): Promise<{ sink: GatedSink; exporter: SyvainMetricExporter }> {
  const sink = new GatedSink();
  const exporter = new SyvainMetricExporter({ sink: () => sink, ...options });
  const result = await exportOnce(exporter, await collectGauge(syvainResource({ slug: "burst" }), points));
  expect(result.code).toBe(ExportResultCode.SUCCESS);
  await drainPendingWork(20);
  return { sink, exporter };
}

describe("an export's requests", () => {
  it("carry the API's maximum of 1000 events, 8 in flight at once, by default", async () => {
    const { sink, exporter } = await burst(9_500);
    expect(apiLimits.maxIngestItems).toBe(1000);
    expect(sink.stalled).toBe(8);
    expect(metricBatchSizes(sink.started)).toEqual(Array.from({ length: 8 }, () => 1000));
    sink.release();
    await shutDownAndDrain(exporter);
    expect(metricBatchSizes(sink.started)).toEqual([...Array.from({ length: 9 }, () => 1000), 500]);
  });

  it("start at the export's first turn: an export of what 8 requests hold is mapped and queued in one go", async () => {
    const sink = new GatedSink();
    const exporter = new SyvainMetricExporter({ sink: () => sink });
    const resource = syvainResource({ slug: "one-turn" });
    await exportOnce(exporter, await collectGauge(resource, 1)); // the experiment exists from here on
    const data = await collectGauge(resource, 8 * apiLimits.maxIngestItems, 1);
    let answers = 0;
    exporter.export(data, () => void (answers += 1));
    expect(answers).toBe(1); // answered within export(): queued without waiting for a loop turn
    await drainPendingWork(1);
    expect(sink.stalled).toBe(8);
    sink.release();
    await shutDownAndDrain(exporter);
    expect(metricBatchSizes(sink.started)).toEqual([...Array.from({ length: 8 }, () => 1000), 1]); // the first export's point waited for company
  });

  it("follow the user's maxBatchItems and maxConcurrentRequests", async () => {
    const { sink, exporter } = await burst(3_000, { maxBatchItems: 500, maxConcurrentRequests: 4 });
    expect(sink.stalled).toBe(4);
    expect(metricBatchSizes(sink.started)).toEqual([500, 500, 500, 500]);
    sink.release();
    await shutDownAndDrain(exporter);
    expect(metricBatchSizes(sink.started)).toEqual(Array.from({ length: 6 }, () => 500));
  });
});
