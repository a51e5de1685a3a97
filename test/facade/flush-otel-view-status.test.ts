/**
 * `experiment.flush()` / `flushOrRaise()` speak for the experiment's OTel view too: they collect
 * and export what its providers (`createMeterProvider()` / `createLoggerProvider()`) recorded, and
 * count what their exporters did not deliver. They reported only the experiment's own outbox, so
 * `flushOrRaise()` resolved ok while Syvain refused (400) or could not take (503) the view's points
 * (outside review finding; `close()` already counted them). Real OTel SDK, the emulator with
 * faults; fake timers for the one deadline, never the wall clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { SyvainError } from "../../src/api/errors.ts";
import { DeliveryIncompleteError } from "../../src/delivery/delivery-errors.ts";
import { Collector } from "../../src/facade/collector.ts";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { HangingSink, RecordingSink, testExperiment } from "./helpers.ts";

let emulator: Emulator;
let collector: Collector;
beforeAll(async () => {
  emulator = await startEmulator();
  // The view's exporters wait at most this long for delivery (their flushTimeoutSeconds).
  collector = new Collector(emulator.apiKey, { host: emulator.url, flushDelaySeconds: 0.01, exitFlushTimeoutSeconds: 1, spoolDir: false });
});
afterEach(() => {
  emulator.faults.clear();
  vi.useRealTimers();
  vi.restoreAllMocks();
});
afterAll(async () => {
  await collector.close();
  await emulator.close();
});

/** Twenty steps of one gauge through the experiment's meter provider, not yet exported (long interval). */
function recordThroughView(experiment: Awaited<ReturnType<Collector["experiment"]>>, steps = 20): void {
  const gauge = experiment.createMeterProvider({ exportIntervalMillis: 3_600_000 }).getMeter("m").createGauge("view_loss");
  for (let step = 0; step < steps; step++) gauge.record(step, { step });
}

describe("flush() / flushOrRaise() with an OTel view", () => {
  it("flush() collects and delivers what the view's providers recorded, without a forceFlush of their own", async () => {
    const experiment = await collector.experiment("view-flush-delivers");
    recordThroughView(experiment);
    const status = await experiment.flush();
    expect(status.ok).toBe(true);
    expect(emulator.store.metrics(experiment.id, { name: "view_loss" })).toHaveLength(20);
    await experiment.close();
  });

  it("flushOrRaise() raises when Syvain refuses the view's points (400), counting them as failed, with the error", async () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const experiment = await collector.experiment("view-flush-refused");
    experiment.metric("own", 1, { step: 0 });
    await experiment.flushOrRaise(); // the experiment's own points are in
    emulator.faults.script("ingestMetrics", [{ status: 400 }]);
    recordThroughView(experiment);
    const error = await experiment.flushOrRaise().then(
      () => undefined,
      (raised: unknown) => raised,
    );
    expect(error).toBeInstanceOf(DeliveryIncompleteError);
    const { status } = error as DeliveryIncompleteError;
    expect(status.ok).toBe(false);
    expect(status.failedMetrics).toBe(20);
    expect(status.lastError).toBeInstanceOf(SyvainError);
    expect(emulator.store.metrics(experiment.id, { name: "view_loss" })).toHaveLength(0);
    await experiment.close();
  });

  it("flush() says not ok while Syvain cannot take the view's log records (503), counting them", async () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const experiment = await collector.experiment("view-flush-unavailable");
    emulator.faults.random("ingestAnnotations", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const logger = experiment.createLoggerProvider({ scheduledDelayMillis: 3_600_000 }).getLogger("l");
    for (let i = 0; i < 5; i++) logger.emit({ body: `note ${i}` });
    const status = await experiment.flush();
    expect(status.ok).toBe(false);
    expect(status.pendingAnnotations + status.failedAnnotations).toBe(5);
    expect(status.lastError?.code).toBe("server");
    emulator.faults.clear();
    await experiment.close();
  });
});

describe("flushOrRaise() with an OTel view and a hanging host", () => {
  it("keeps its one deadline for the view and the outbox together, and counts the view's points", async () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "Date"] });
    const sink = new HangingSink();
    // The view's own bound (exitFlushTimeoutSeconds) is longer than the flush's: the flush's wins.
    const { experiment } = testExperiment({ sink, exitFlushTimeoutSeconds: 30 });
    const gauge = experiment.createMeterProvider().getMeter("m").createGauge("view_loss");
    for (let step = 0; step < 10; step++) gauge.record(step, { step });
    experiment.metric("own", 1, { step: 0 });
    const started = Date.now();
    let endedAt: number | undefined;
    const raising = experiment.flushOrRaise({ timeoutSeconds: 2 }).then(
      () => undefined,
      (raised: unknown) => raised,
    );
    void raising.then(() => (endedAt = Date.now()));
    for (let tick = 0; tick < 1000 && endedAt === undefined; tick++) await vi.advanceTimersByTimeAsync(50);
    const error = await raising;
    expect(error).toBeInstanceOf(DeliveryIncompleteError);
    const { status } = error as DeliveryIncompleteError;
    expect(status.pendingMetrics + status.failedMetrics).toBe(11); // the view's 10 and the experiment's own
    expect(endedAt! - started).toBeLessThanOrEqual(2000 + 100);
    // Let the view's exporter and the outbox give up, so nothing outlives the test.
    const closing = experiment.close({ timeoutSeconds: 0 });
    for (let tick = 0; tick < 1000; tick++) await vi.advanceTimersByTimeAsync(50);
    await closing;
  });
});

describe("flushOrRaise() gives the OTel view its whole deadline", () => {
  it("not only the view's own exitFlushTimeoutSeconds: an outage shorter than the flush's timeout passes", async () => {
    const warned = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "Date"] });
    const sink = new RecordingSink();
    sink.failWith = new SyvainError("server", "HTTP 503: unavailable", { retryable: true });
    const { experiment } = testExperiment({ sink, exitFlushTimeoutSeconds: 2 });
    const gauge = experiment.createMeterProvider().getMeter("m").createGauge("view_loss");
    for (let step = 0; step < 10; step++) gauge.record(step, { step });
    let outcome: unknown;
    void experiment.flushOrRaise({ timeoutSeconds: 30 }).then(
      (status) => (outcome = status),
      (raised: unknown) => (outcome = raised),
    );
    await vi.advanceTimersByTimeAsync(5_000); // past the view's own bound: still waiting
    expect(outcome).toBeUndefined();
    sink.failWith = undefined; // Syvain is back
    for (let tick = 0; tick < 500 && outcome === undefined; tick++) await vi.advanceTimersByTimeAsync(50);
    expect(outcome).toMatchObject({ ok: true, pendingMetrics: 0 });
    expect(sink.metrics).toHaveLength(10);
    expect(warned).not.toHaveBeenCalled(); // the view's exporter did not give up on the way
    await experiment.close();
  });
});

describe("the exit safety net after a flush that left the view's points pending", () => {
  it("stays armed: the loop emptying flushes them again", async () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const sink = new RecordingSink();
    sink.failWith = new SyvainError("network", "connection refused", { retryable: true });
    const { experiment, fakeProcess } = testExperiment({ sink, exitFlushTimeoutSeconds: 0.2 });
    experiment.createMeterProvider({ exportIntervalMillis: 3_600_000 }).getMeter("m").createGauge("view_loss").record(1, { step: 1 });
    const status = await experiment.flush();
    expect(status.pendingMetrics).toBe(1); // the view's point, still queued
    expect(fakeProcess.listenerCount("beforeExit")).toBe(1);
    sink.failWith = undefined;
    fakeProcess.emit("beforeExit", 0);
    await vi.waitFor(() => expect(sink.metrics).toHaveLength(1));
    await experiment.close();
  });
});
