/**
 * `meterProvider.shutdown()` with a `SyvainMetricReader` keeps one deadline. The SDK shuts a
 * reader down as a force-flush and then the exporter's `shutdown()`; ours waited up to
 * `flushTimeoutSeconds` in the first and up to `shutdownTimeoutSeconds` in the second, so during an
 * outage the shutdown took both (30 + 10 s by default; found by an outside review). The reader now
 * skips the exporter's `forceFlush()` during its shutdown: the last collection is still exported
 * (queued) and `shutdown()` drains it within `shutdownTimeoutSeconds` alone.
 */
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { describe, expect, it, vi } from "vitest";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { syvainResource } from "../../../src/otel.ts";
import { emulatorTarget, withEmulator } from "./helpers.ts";

describe("SyvainMetricReader shutdown", () => {
  it("exports the last collection and drains it in the exporter's shutdown(), without a force-flush before it", async () => {
    await withEmulator(async (emulator) => {
      const reader = new SyvainMetricReader({ ...emulatorTarget(emulator), exportIntervalMillis: 3_600_000 });
      const flushes = vi.spyOn(reader.exporter, "forceFlush");
      const shutdowns = vi.spyOn(reader.exporter, "shutdown");
      const provider = new MeterProvider({ resource: syvainResource({ slug: "reader-shutdown" }), readers: [reader] });
      const gauge = provider.getMeter("t").createGauge("loss");
      for (let step = 0; step < 10; step++) gauge.record(step, { step });
      await provider.shutdown();
      expect(flushes).not.toHaveBeenCalled();
      expect(shutdowns).toHaveBeenCalledTimes(1);
      expect(emulator.store.metrics("reader-shutdown").map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });

  it("a force-flush outside a shutdown still waits for delivery", async () => {
    await withEmulator(async (emulator) => {
      const reader = new SyvainMetricReader({ ...emulatorTarget(emulator), exportIntervalMillis: 3_600_000 });
      const flushes = vi.spyOn(reader.exporter, "forceFlush");
      const provider = new MeterProvider({ resource: syvainResource({ slug: "reader-flush" }), readers: [reader] });
      provider.getMeter("t").createGauge("loss").record(1, { step: 1 });
      await provider.forceFlush();
      expect(flushes).toHaveBeenCalledTimes(1);
      expect(emulator.store.metrics("reader-flush")).toHaveLength(1);
      await provider.shutdown();
    });
  });
});
