/**
 * `close()` of an experiment whose only undelivered events came through its OTel view
 * (`createMeterProvider()`) during an outage: the view's exporters give them up at the deadline (a
 * SyvainDeliveryWarning says so), and close()'s status now counts them (it said `ok: true`, nothing
 * pending; found from outside, from a packed tarball). Fake timers and a sink that never answers.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { HangingSink, testExperiment } from "./helpers.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("close() status with only OTel view events undelivered", () => {
  it("is not ok", async () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "Date"] });
    const sink = new HangingSink();
    const { experiment } = testExperiment({ sink, exitFlushTimeoutSeconds: 2 });
    const gauge = experiment.createMeterProvider().getMeter("m").createGauge("otel_loss");
    for (let step = 0; step < 100; step++) gauge.record(step, { step });
    let done = false;
    const closing = experiment.close().finally(() => (done = true));
    for (let tick = 0; tick < 200 && !done; tick++) await vi.advanceTimersByTimeAsync(50);
    const status = await closing;
    expect(sink.attempts).toBeGreaterThanOrEqual(1); // the view's points were sent (into the silence)
    expect(status.ok).toBe(false);
    expect(status.pendingMetrics + status.failedMetrics + status.droppedMetrics).toBe(100);
  });
});
