/**
 * `meterProvider.shutdown()` with a `SyvainMetricReader` keeps one deadline. The SDK shuts a
 * reader down as a force-flush and then the exporter's `shutdown()`; ours waited up to
 * `flushTimeoutSeconds` in the first and up to `shutdownTimeoutSeconds` in the second, so during an
 * outage the shutdown took both (30 + 10 s by default; found by an outside review). The reader now
 * skips the exporter's `forceFlush()` during its shutdown: the last collection is still exported
 * (queued) and `shutdown()` drains it within `shutdownTimeoutSeconds` alone. A user's
 * `forceFlush()` already running when the shutdown starts is not the shutdown's: it still waits for
 * its points' delivery (it skipped that wait, found by an outside review), at most until the
 * shutdown's deadline.
 */
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { syvainResource } from "../../../src/otel.ts";
import { emulatorTarget, withEmulator } from "./helpers.ts";
import { UnavailableSink } from "./test-sinks.ts";

afterEach(() => {
  vi.useRealTimers();
});

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

  it("a force-flush already running when the shutdown starts still resolves only once its points are delivered", async () => {
    // Syvain takes a while to answer the first ingest: a flush that does not wait resolves before it.
    await withEmulator(async (emulator) => {
      const reader = new SyvainMetricReader({ ...emulatorTarget(emulator), exportIntervalMillis: 3_600_000 });
      const provider = new MeterProvider({ resource: syvainResource({ slug: "flush-then-shutdown" }), readers: [reader] });
      const gauge = provider.getMeter("t").createGauge("loss");
      for (let step = 0; step < 10; step++) gauge.record(step, { step });
      emulator.faults.script("ingestMetrics", [{ delayMs: 500 }]);
      const flushing = provider.forceFlush();
      const shuttingDown = provider.shutdown();
      await flushing;
      expect(emulator.store.metrics("flush-then-shutdown")).toHaveLength(10);
      await shuttingDown;
    });
  });

  it("that force-flush ends by the shutdown's deadline when Syvain stays down, and the loss is reported; the shutdown keeps its one deadline", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "Date"] });
    const warnings: string[] = [];
    const sink = new UnavailableSink();
    const reader = new SyvainMetricReader({
      sink: () => sink,
      slug: "down",
      flushTimeoutSeconds: 30,
      shutdownTimeoutSeconds: 2,
      exportIntervalMillis: 3_600_000,
      onWarning: (message) => warnings.push(message),
    });
    const provider = new MeterProvider({ readers: [reader] });
    provider.getMeter("t").createGauge("loss").record(1, { step: 1 });
    const started = Date.now();
    let flushedAt: number | undefined;
    let shutDownAt: number | undefined;
    void provider.forceFlush().then(() => (flushedAt = Date.now()));
    void provider.shutdown().then(() => (shutDownAt = Date.now()));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(flushedAt).toBeUndefined(); // nothing delivered yet: the flush still waits
    for (let tick = 0; tick < 400 && (flushedAt === undefined || shutDownAt === undefined); tick++) await vi.advanceTimersByTimeAsync(50);
    expect(flushedAt! - started).toBeLessThanOrEqual(2_000 + 100);
    expect(shutDownAt! - started).toBeLessThanOrEqual(2_000 + 100);
    expect(reader.exporter.stats()[0]?.metrics).toMatchObject({ enqueued: 1, accepted: 0 });
    expect(warnings.join("\n")).toMatch(/incomplete/);
  });
});
