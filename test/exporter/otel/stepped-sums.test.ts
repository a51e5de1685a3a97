/**
 * A counter recorded with a `step` attribute is a running total at every collection (CUMULATIVE),
 * and a stepped point's id is (series, step): Syvain keeps the first total exported at a step and
 * drops the later, larger ones as duplicates. From an outside review (review 14, F9): a counter at
 * step 0 stored 100 of its 300, reported only as harmless `duplicates`. The exporter now says so:
 * a later, different total at a step already exported is not sent, and is counted and warned
 * (`restated_step`). A counter whose totals per step do not change (one add per step) stays quiet.
 */
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { createSyvainExporters } from "../../../src/exporter/otel/create-exporters.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { emulatorTarget, withEmulator } from "./helpers.ts";

describe("a counter with a step attribute", () => {
  it("whose total at a step grows across exports is said, not silently kept at its first total", () =>
    withEmulator(async (emulator) => {
      const heard: string[] = [];
      const syvain = createSyvainExporters({ ...emulatorTarget(emulator), spoolDir: false, onWarning: (message) => heard.push(message) });
      const meterProvider = new MeterProvider({ resource: syvainResource({ slug: "stepped-sum" }), readers: [new SyvainMetricReader({ exporter: syvain.metricExporter, exportIntervalMillis: 3_600_000 })] });
      const tokens = meterProvider.getMeter("t").createCounter("tokens");
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 100; i++) tokens.add(1, { step: 0 });
        await meterProvider.forceFlush();
      }
      await meterProvider.shutdown();
      const [stats] = syvain.stats();
      // The first total was delivered; the two later ones at step 0 were not sent, and are counted.
      expect(emulator.store.metrics("stepped-sum").map((m) => m.value)).toEqual([100]);
      expect(stats?.metrics.accepted).toBe(1);
      // 200 and 300 once each: the shutdown's last collection exports 300 again, not said again (review 15, L3).
      expect(stats?.metrics.invalid).toBe(2);
      expect(heard.filter((message) => /now 300/.test(message)).length).toBeLessThanOrEqual(1); // it was said at every collection
      expect(heard.some((message) => /restated_step/.test(message) && /tokens: step 0 was exported with 100, now 200/.test(message))).toBe(true);
    }));

  it("whose totals per step never change (one add per step) exports every step once, with no warning", () =>
    withEmulator(async (emulator) => {
      const heard: string[] = [];
      const syvain = createSyvainExporters({ ...emulatorTarget(emulator), spoolDir: false, onWarning: (message) => heard.push(message) });
      const meterProvider = new MeterProvider({ resource: syvainResource({ slug: "stepped-sum-once" }), readers: [new SyvainMetricReader({ exporter: syvain.metricExporter, exportIntervalMillis: 3_600_000 })] });
      const samples = meterProvider.getMeter("t").createCounter("samples");
      for (let step = 0; step < 30; step++) {
        samples.add(256, { step });
        if (step % 10 === 9) await meterProvider.forceFlush(); // CUMULATIVE: earlier steps are exported again, unchanged
      }
      await meterProvider.shutdown();
      expect(emulator.store.metrics("stepped-sum-once")).toHaveLength(30);
      expect(syvain.stats()[0]?.metrics.invalid).toBe(0);
      expect(heard).toEqual([]);
    }));
});
