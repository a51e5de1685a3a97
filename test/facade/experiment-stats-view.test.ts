/**
 * `experiment.stats()` shows its OTel view's exporters too (`view`): what the providers made by
 * `createMeterProvider()` / `createLoggerProvider()` queued, delivered, dropped and had rejected.
 * It showed only the experiment's own outbox, so points recorded through the view were nowhere in it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { testExperiment } from "./helpers.ts";

afterEach(() => void vi.restoreAllMocks());

describe("experiment.stats() with an OTel view", () => {
  it("is null without providers", () => {
    const { experiment } = testExperiment();
    experiment.metric("loss", 1, { step: 1 });
    expect(experiment.stats().view).toBeNull();
    expect(experiment.stats().metrics.enqueued).toBe(1);
  });

  it("sums what the view's exporters queued, delivered and rejected, apart from the experiment's own counts", async () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => undefined); // the NaN point's loss warning
    const { experiment, sink } = testExperiment();
    const meterProvider = experiment.createMeterProvider();
    const gauge = meterProvider.getMeter("m").createGauge("otel_loss");
    for (let step = 0; step < 3; step++) gauge.record(step, { step });
    gauge.record(Number.NaN, { step: 9 }); // rejected by the mapping: invalid
    const loggerProvider = experiment.createLoggerProvider();
    loggerProvider.getLogger("l").emit({ body: "checkpoint saved" });
    experiment.metric("loss", 1, { step: 1 });
    await meterProvider.forceFlush();
    await loggerProvider.forceFlush();
    const stats = experiment.stats();
    expect(stats.view).toMatchObject({
      metrics: { enqueued: 3, accepted: 3, pending: 0, failed: 0, dropped: 0, invalid: 1 },
      annotations: { enqueued: 1, accepted: 1, pending: 0, invalid: 0 },
      failedExports: 0,
    });
    // The experiment's own outbox is counted on its own, as before.
    expect(stats.metrics).toMatchObject({ enqueued: 1 });
    expect(sink.metrics.filter((m) => m.name === "otel_loss")).toHaveLength(3);
    await experiment.close();
  });
});
