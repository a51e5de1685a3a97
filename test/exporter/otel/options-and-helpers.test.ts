/** Options validation, temporality, the reader factory, syvainResource and the JSONL destination. */
import { readFile } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import {
  AggregationTemporality,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricReader,
} from "@opentelemetry/sdk-metrics";
import { ExportResultCode } from "@opentelemetry/core";
import { describe, expect, it } from "vitest";
import { SyvainValidationError } from "../../../src/api/errors.ts";
import { SyvainMetricExporter } from "../../../src/exporter/metric-exporter.ts";
import { createSyvainExporters } from "../../../src/exporter/otel/create-exporters.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { ManualReader, exportOnce } from "./helpers.ts";

function validationError(run: () => unknown): SyvainValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof SyvainValidationError) return error;
    throw error;
  }
  throw new Error("expected a SyvainValidationError");
}

describe("exporter options", () => {
  it.each([
    [{ flushDelaySeconds: -1 }, "flushDelaySeconds"],
    [{ maxQueueItems: 0 }, "maxQueueItems"],
    [{ stepAttribute: "" }, "stepAttribute"],
    [{ slug: 42 }, "slug"],
    [{ defaultFolderPath: "team" }, "defaultFolderPath"],
    [{ defaultFolderId: "f", defaultFolderPath: "/t" }, "defaultFolderPath"],
    [{ jsonlPath: "/tmp/x.jsonl", apiKey: "ak_org_secret" }, "jsonlPath"],
    [{ client: {} }, "client"],
    [{ flushDelay: 1 }, "flushDelay"],
  ])("rejects %o naming `%s`", (options, field) => {
    const error = validationError(() => new SyvainMetricExporter(options as never));
    expect(error.field).toBe(field);
    expect(error.message).toContain("SyvainMetricExporter");
  });

  it("never shows the API key", () => {
    const error = validationError(() => new SyvainMetricExporter({ apiKey: "ak_org_secret", maxRetries: -1 }));
    expect(error.field).toBe("maxRetries");
    const exporter = new SyvainMetricExporter({ apiKey: "ak_org_secret", host: "http://127.0.0.1:9" });
    expect(inspect(exporter, { depth: 10 })).not.toContain("ak_org_secret");
    const target = { apiKey: "ak_org_secret", host: "http://127.0.0.1:9" };
    expect(inspect(new SyvainMetricReader(target), { depth: 10 })).not.toContain("ak_org_secret");
    expect(inspect(createSyvainExporters(target), { depth: 10 })).not.toContain("ak_org_secret");
    const secretError = validationError(() => new SyvainMetricExporter({ apiKey: 7 as never }));
    expect(`${secretError.message} ${inspect(secretError)}`).not.toContain("7 (number)");
  });

  it("asks DELTA for gauges and histograms, CUMULATIVE for counters", () => {
    const exporter = new SyvainMetricExporter({ sink: () => ({ deliver: () => Promise.reject(new Error("unused")), close: () => Promise.resolve() }) });
    const chosen = Object.fromEntries(Object.values(InstrumentType).map((type) => [type, exporter.selectAggregationTemporality(type)]));
    expect(chosen).toEqual({
      COUNTER: AggregationTemporality.CUMULATIVE,
      UP_DOWN_COUNTER: AggregationTemporality.CUMULATIVE,
      OBSERVABLE_COUNTER: AggregationTemporality.CUMULATIVE,
      OBSERVABLE_UP_DOWN_COUNTER: AggregationTemporality.CUMULATIVE,
      GAUGE: AggregationTemporality.DELTA,
      OBSERVABLE_GAUGE: AggregationTemporality.DELTA,
      HISTOGRAM: AggregationTemporality.DELTA,
    });
  });
});

describe("SyvainMetricReader", () => {
  it("keeps 5,000 steps of one interval apart where the SDK default (2000) folds them", async () => {
    const stepsExported = async (makeReader: (exporter: SyvainMetricExporter) => MetricReader): Promise<number[]> => {
      const steps: number[] = [];
      const exporter = new SyvainMetricExporter({
        sink: () => ({
          deliver: (batch) => {
            if (batch.kind === "metric") for (const event of batch.items) steps.push(event.step ?? -1);
            return Promise.resolve({ accepted: batch.kind === "status" ? 1 : batch.items.length, duplicates: 0 });
          },
          close: () => Promise.resolve(),
        }),
      });
      const reader = makeReader(exporter);
      const provider = new MeterProvider({ resource: syvainResource({ slug: "many" }), readers: [reader] });
      const gauge = provider.getMeter("t").createGauge("loss");
      for (let step = 0; step < 5000; step++) gauge.record(step, { step });
      await reader.forceFlush();
      await provider.shutdown();
      return steps.sort((a, b) => a - b);
    };
    const ours = await stepsExported((exporter) => new SyvainMetricReader({ exporter, exportIntervalMillis: 3_600_000 }));
    expect(ours).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    const sdkDefault = await stepsExported((exporter) => new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 }));
    expect(sdkDefault.length).toBeLessThan(2001); // 1999 steps; the rest folded into the SDK's overflow point,
    expect(sdkDefault).not.toContain(-1); // which is dropped (cardinality_overflow), not stored as a point without a step
  });

  it("validates its own options and refuses exporter options next to `exporter`", () => {
    expect(validationError(() => new SyvainMetricReader({ exportIntervalMillis: 0 })).field).toBe("exportIntervalMillis");
    expect(validationError(() => new SyvainMetricReader({ exportIntervalMillis: 1000, exportTimeoutMillis: 2000 })).field).toBe("exportTimeoutMillis");
    const exporter = new SyvainMetricExporter({ jsonlPath: join(mkdtempSync(join(tmpdir(), "syvain-")), "x.jsonl") });
    expect(validationError(() => new SyvainMetricReader({ exporter, maxQueueItems: 5 })).field).toBe("maxQueueItems");
    expect(new SyvainMetricReader({ exporter }).exporter).toBe(exporter);
  });
});

describe("syvainResource", () => {
  it("names the experiment and keeps the SDK's default attributes", () => {
    const resource = syvainResource({ slug: "run-7", description: "baseline", folderPath: "/team", meta: { config: { lr: 0.1 } } });
    expect(resource.attributes).toMatchObject({
      "syvain.experiment.slug": "run-7",
      "syvain.experiment.description": "baseline",
      "syvain.folder.path": "/team",
      "config.lr": 0.1,
      "telemetry.sdk.language": "nodejs",
    });
    expect(resource.attributes["service.name"]).toMatch(/^unknown_service/);
  });

  it("rejects bad input with a typed error naming the field", () => {
    expect(validationError(() => syvainResource({ slug: "x", folderId: "a", folderPath: "/b" })).field).toBe("folderPath");
    expect(validationError(() => syvainResource({ slug: "x", folder: "/b" } as never)).message).toContain("folder");
    expect(validationError(() => syvainResource({ slug: " padded " })).field).toBe("slug");
  });
});

describe("JSONL destination", () => {
  it("writes an experiment record, then the events, to one file for every experiment", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "syvain-")), "out.jsonl");
    const { metricExporter, shutdown } = createSyvainExporters({ jsonlPath: path });
    const reader = new ManualReader({ aggregationTemporalitySelector: (type) => metricExporter.selectAggregationTemporality(type) });
    const provider = new MeterProvider({ resource: syvainResource({ slug: "offline", meta: { seed: 1 } }), readers: [reader] });
    provider.getMeter("t").createGauge("loss").record(0.25, { step: 4, split: "train" });
    const { resourceMetrics } = await reader.collect();
    expect((await exportOnce(metricExporter, resourceMetrics)).code).toBe(ExportResultCode.SUCCESS);
    await shutdown();

    const lines = (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line["type"])).toEqual(["experiment", "metric"]);
    expect(lines[0]).toMatchObject({ experiment: "offline", id: "local:offline", slug: "offline", metadata: { seed: 1 } });
    expect(lines[1]).toMatchObject({ experiment: "offline", name: "loss", value: 0.25, step: 4, metadata: { split: "train" } });
    await provider.shutdown();
  });
});
