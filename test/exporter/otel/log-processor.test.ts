/**
 * `SyvainLogRecordProcessor`: the SDK's batch processor around our log exporter, whose shutdown
 * exports every buffered record and lets the exporter's `shutdown()` drain them, without the
 * force-flush the SDK runs first (which waited up to `flushTimeoutSeconds` of its own).
 */
import { LoggerProvider } from "@opentelemetry/sdk-logs";
import { describe, expect, it, vi } from "vitest";
import { SyvainLogRecordExporter } from "../../../src/exporter/log-exporter.ts";
import { SyvainLogRecordProcessor } from "../../../src/exporter/log-processor.ts";
import { syvainResource } from "../../../src/otel.ts";
import { emulatorTarget, withEmulator } from "./helpers.ts";

describe("SyvainLogRecordProcessor", () => {
  it("at shutdown exports every buffered record and drains them in the exporter's shutdown(), without a force-flush before it", async () => {
    await withEmulator(async (emulator) => {
      const exporter = new SyvainLogRecordExporter(emulatorTarget(emulator));
      const flushes = vi.spyOn(exporter, "forceFlush");
      const shutdowns = vi.spyOn(exporter, "shutdown");
      // Batches of 4 and a timer that never fires: 10 records wait in the buffer, 3 batches at shutdown.
      const processor = new SyvainLogRecordProcessor({ exporter, maxExportBatchSize: 4, scheduledDelayMillis: 3_600_000 });
      const provider = new LoggerProvider({ resource: syvainResource({ slug: "processor-shutdown" }), processors: [processor] });
      const logger = provider.getLogger("t");
      for (let i = 0; i < 10; i++) logger.emit({ body: `record ${i}` });
      await provider.shutdown();
      expect(flushes).not.toHaveBeenCalled();
      expect(shutdowns).toHaveBeenCalledTimes(1);
      expect(processor.exporter).toBe(exporter);
      const texts = emulator.store.annotations("processor-shutdown").map((a) => a.text);
      expect(texts.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `record ${i}`).sort());
    });
  });

  it("a force-flush already running when the shutdown starts still resolves only once its records are delivered", async () => {
    // Syvain takes a while to answer the first ingest: a flush that does not wait resolves before it.
    await withEmulator(async (emulator) => {
      const exporter = new SyvainLogRecordExporter(emulatorTarget(emulator));
      const provider = new LoggerProvider({
        resource: syvainResource({ slug: "processor-flush-then-shutdown" }),
        processors: [new SyvainLogRecordProcessor({ exporter, scheduledDelayMillis: 3_600_000 })],
      });
      const logger = provider.getLogger("t");
      for (let i = 0; i < 10; i++) logger.emit({ body: `record ${i}` });
      emulator.faults.script("ingestAnnotations", [{ delayMs: 500 }]);
      const flushing = provider.forceFlush();
      const shuttingDown = provider.shutdown();
      await flushing;
      expect(emulator.store.annotations("processor-flush-then-shutdown")).toHaveLength(10);
      await shuttingDown;
    });
  });

  it("a force-flush outside a shutdown still waits for delivery", async () => {
    await withEmulator(async (emulator) => {
      const exporter = new SyvainLogRecordExporter(emulatorTarget(emulator));
      const flushes = vi.spyOn(exporter, "forceFlush");
      const provider = new LoggerProvider({
        resource: syvainResource({ slug: "processor-flush" }),
        processors: [new SyvainLogRecordProcessor({ exporter, scheduledDelayMillis: 3_600_000 })],
      });
      provider.getLogger("t").emit({ body: "checkpoint" });
      await provider.forceFlush();
      expect(flushes).toHaveBeenCalledTimes(1);
      expect(emulator.store.annotations("processor-flush").map((a) => a.text)).toEqual(["checkpoint"]);
      await provider.shutdown();
    });
  });

  it("wants a SyvainLogRecordExporter, and says so naming the option", () => {
    const notOurs = { export: () => undefined, shutdown: () => Promise.resolve(), forceFlush: () => Promise.resolve() };
    expect(() => new SyvainLogRecordProcessor({ exporter: notOurs as never })).toThrow(/SyvainLogRecordProcessor: invalid option `exporter`: must be a SyvainLogRecordExporter/);
  });
});
