/**
 * What the exporters do when Syvain misbehaves: transient faults during delivery and creation,
 * a wrong key, concurrent first exports, missing and ambiguous folders.
 */
import { ExportResultCode } from "@opentelemetry/core";
import { MeterProvider, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { SyvainMetricExporter } from "../../../src/exporter/metric-exporter.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { SyvainError } from "../../../src/api/errors.ts";
import { collectGauge, emulatorTarget, exportOnce, shutDownAndDrain, withEmulator } from "./helpers.ts";

function collectGaugeOf(slug: string, steps: number, resourceOptions: Partial<Parameters<typeof syvainResource>[0]> = {}): Promise<ResourceMetrics> {
  return collectGauge(syvainResource({ slug, ...resourceOptions }), steps);
}

describe("SyvainMetricExporter under faults", () => {
  it("loses and duplicates nothing through 429/503 with Retry-After, resets and store-then-fail", async () => {
    await withEmulator(
      async (emulator) => {
        const reader = new SyvainMetricReader({ ...emulatorTarget(emulator), exportIntervalMillis: 3_600_000, maxBatchItems: 250 });
        const provider = new MeterProvider({ resource: syvainResource({ slug: "faulty" }), readers: [reader] });
        const gauge = provider.getMeter("t").createGauge("loss");
        for (let round = 0; round < 3; round++) {
          for (let step = round * 1000; step < (round + 1) * 1000; step++) gauge.record(step * 2, { step });
          await reader.forceFlush();
        }
        for (let i = 0; i < 10 && reader.exporter.stats()[0]?.metrics.pending !== 0; i++) await reader.exporter.forceFlush();

        const stored = emulator.store.metrics("faulty");
        expect(stored).toHaveLength(3000);
        expect(new Set(stored.map((event) => event.step)).size).toBe(3000);
        for (const event of stored) expect(event.value).toBe((event.step ?? 0) * 2);
        const counters = emulator.counters;
        expect(counters.faultsByKind.storeThenFail).toBeGreaterThan(0);
        expect(counters.duplicatesSuppressed).toBeGreaterThan(0);
        expect(counters.responses["429"]).toBeGreaterThan(0);
        expect(counters.responses["503"]).toBeGreaterThan(0);
        expect(reader.exporter.stats()[0]?.metrics).toMatchObject({ enqueued: 3000, accepted: 3000, pending: 0, failed: 0, dropped: 0 });
        await provider.shutdown();
      },
      {
        faults: {
          // Creation: a 503, then stored-but-failed (the retry then meets 409 and reuses the experiment).
          scripts: {
            createExperiment: [{ status: 503, retryAfterSeconds: 0 }, { storeThenFail: 500 }],
            ingestMetrics: [{ status: 429, retryAfterSeconds: 1 }, { status: 503, retryAfterSeconds: 0 }, { reset: true }, { storeThenFail: "reset" }],
          },
          random: { ingestMetrics: { rate: 0.2, seed: 7 } },
        },
      },
    );
  });

  it("fails the export with an `auth` error on a wrong key, and does not retry for ever", async () => {
    await withEmulator(async (emulator) => {
      const exporter = new SyvainMetricExporter({ apiKey: "ak_org_wrong", host: emulator.url });
      const data = await collectGaugeOf("denied", 3);
      const first = await exportOnce(exporter, data);
      expect(first.code).toBe(ExportResultCode.FAILED);
      expect(first.error).toBeInstanceOf(SyvainError);
      expect((first.error as SyvainError).code).toBe("auth");
      expect(first.error?.message).toContain('"denied"');
      expect(first.error?.message).not.toContain("ak_org_wrong");
      expect(emulator.counters.requests["createExperiment"]).toBe(1);

      // Not cached for ever: the next export tries again (once), and nothing is queued meanwhile.
      expect((await exportOnce(exporter, data)).code).toBe(ExportResultCode.FAILED);
      expect(emulator.counters.requests["createExperiment"]).toBe(2);
      await exporter.forceFlush();
      expect(emulator.counters.requests["ingestMetrics"]).toBeUndefined();
      const [stats] = exporter.stats();
      expect(stats).toMatchObject({ slug: "denied", experimentId: undefined, failedExports: 2, metrics: { enqueued: 0 } });
      expect(stats?.lastError?.code).toBe("auth");
      expect(exporter.isBackpressured()).toBe(false); // a wrong key is not "unavailable"
      await shutDownAndDrain(exporter);
      expect(first.calls()).toBe(1);
    });
  });

  it("creates an experiment once when first exports race, and answers all of them", async () => {
    await withEmulator(
      async (emulator) => {
        const exporter = new SyvainMetricExporter(emulatorTarget(emulator));
        const batches = await Promise.all(Array.from({ length: 8 }, () => collectGaugeOf("raced", 10)));
        const results = await Promise.all(batches.map((batch) => exportOnce(exporter, batch)));
        expect(results.map((r) => r.code)).toEqual(batches.map(() => ExportResultCode.SUCCESS));
        expect(emulator.counters.requests["createExperiment"]).toBe(1);
        expect(emulator.store.experiments().map((e) => e.slug)).toEqual(["raced"]);
        await exporter.forceFlush();
        // The same 10 steps in every batch: a stepped point's identity has no time, so 70 are duplicates.
        expect(emulator.store.metrics("raced")).toHaveLength(10);
        expect(emulator.counters.duplicatesSuppressed).toBe(70);
        expect(exporter.stats()[0]?.metrics).toMatchObject({ enqueued: 80, accepted: 80, duplicates: 70, pending: 0 });
        await shutDownAndDrain(exporter);
        expect(results.map((r) => r.calls())).toEqual(batches.map(() => 1));
      },
      { faults: { scripts: { createExperiment: [{ delayMs: 200 }] } } },
    );
  });

  it("reuses an experiment that already exists (409), whoever created it", async () => {
    await withEmulator(async (emulator) => {
      const first = new SyvainMetricExporter(emulatorTarget(emulator));
      const second = new SyvainMetricExporter(emulatorTarget(emulator));
      expect((await exportOnce(first, await collectGaugeOf("shared", 1))).code).toBe(ExportResultCode.SUCCESS);
      // Different metadata: a different creation body, so the server answers 409 rather than a replay.
      expect((await exportOnce(second, await collectGaugeOf("shared", 2, { meta: { other: true } }))).code).toBe(ExportResultCode.SUCCESS);
      expect(emulator.store.experiments()).toHaveLength(1);
      expect(emulator.counters.responses["409"]).toBe(1);
      expect(second.stats()[0]?.experimentId).toBe(emulator.store.experiment("shared")?.id);
      await Promise.all([first.shutdown(), second.shutdown()]);
    });
  });

  it("resolves a folder path, and fails clearly when it is missing or ambiguous", async () => {
    await withEmulator(
      async (emulator) => {
        const exporter = new SyvainMetricExporter({ ...emulatorTarget(emulator), defaultFolderPath: "/team/vision" });
        expect((await exportOnce(exporter, await collectGaugeOf("in-folder", 1))).code).toBe(ExportResultCode.SUCCESS);
        expect(emulator.store.experiment("in-folder")?.folder_id).toBe("folder-vision");

        const missing = await exportOnce(exporter, await collectGaugeOf("lost", 1, { folderPath: "/nowhere" }));
        expect(missing.code).toBe(ExportResultCode.FAILED);
        expect((missing.error as SyvainError).code).toBe("not_found");
        expect(missing.error?.message).toMatch(/"lost".*"\/nowhere" matches no folder/);

        const ambiguous = await exportOnce(exporter, await collectGaugeOf("torn", 1, { folderPath: "/twice" }));
        expect(ambiguous.code).toBe(ExportResultCode.FAILED);
        expect(ambiguous.error?.message).toMatch(/"torn".*ambiguous: 2 folders/);
        await exporter.shutdown();
      },
      { folders: [{ id: "folder-team", path: "/team" }, { id: "folder-vision", path: "/team/vision" }, { path: "/twice" }, { path: "/twice" }] },
    );
  });
});
