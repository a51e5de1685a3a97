/**
 * `close()` of an experiment with an OTel view keeps one deadline (`exitFlushTimeoutSeconds`): the
 * view's providers drain first, then the experiment's outbox gets what is left. Each had the whole
 * deadline, so during an outage close() took twice exitFlushTimeoutSeconds (found by an outside
 * review). Fake timers (and clock): the deadline is read off virtual time, never the wall clock.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { HangingSink, testExperiment } from "./helpers.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("close() with an OTel view during an outage", () => {
  it("ends within exitFlushTimeoutSeconds, both outboxes together", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "Date"] });
    const sink = new HangingSink();
    const { experiment } = testExperiment({ sink, exitFlushTimeoutSeconds: 2 });
    experiment.createMeterProvider().getMeter("m").createGauge("otel_loss").record(1, { step: 1 });
    experiment.metric("loss", 1, { step: 1 });
    const started = Date.now();
    let endedAt: number | undefined;
    const closing = experiment.close().then((status) => {
      endedAt = Date.now();
      return status;
    });
    for (let tick = 0; tick < 200 && endedAt === undefined; tick++) await vi.advanceTimersByTimeAsync(50);
    const status = await closing;
    expect(status.ok).toBe(false); // the outage: nothing was delivered
    expect(sink.kinds).toEqual(expect.arrayContaining(["metric"])); // both outboxes sent (into the silence)
    expect(sink.attempts).toBeGreaterThanOrEqual(2);
    expect(endedAt! - started).toBeLessThanOrEqual(2000 + 100);
  });

  it("shuts the view's LoggerProvider down within the deadline too (no force-flush of its own before the exporter's shutdown)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "Date"] });
    const sink = new HangingSink();
    const { experiment } = testExperiment({ sink, exitFlushTimeoutSeconds: 2 });
    const loggerProvider = experiment.createLoggerProvider();
    loggerProvider.getLogger("l").emit({ body: "checkpoint" });
    let closed = false;
    const closing = experiment.close().then(() => (closed = true));
    for (let tick = 0; tick < 200 && !closed; tick++) await vi.advanceTimersByTimeAsync(50);
    await closing;
    // A second shutdown() answers with the first one's promise. The exporter's shutdown started at
    // once and drains for its own 2 s, so it ends just after close(); with the SDK's
    // BatchLogRecordProcessor a force-flush of 2 s came first, and the shutdown's 2 s after it.
    let providerDown = false;
    void loggerProvider.shutdown().then(() => (providerDown = true));
    await vi.advanceTimersByTimeAsync(200);
    expect(providerDown).toBe(true);
    expect(sink.kinds).toContain("annotation");
  });
});

describe("the end of run() with an OTel view during an outage", () => {
  it("ends within exitFlushTimeoutSeconds, both outboxes together, and its warning counts the view's points", async () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "Date"] });
    const sink = new HangingSink();
    const { experiment, warnings } = testExperiment({ sink, exitFlushTimeoutSeconds: 2 });
    const gauge = experiment.createMeterProvider().getMeter("m").createGauge("otel_loss");
    const started = Date.now();
    let endedAt: number | undefined;
    const running = experiment
      .run(() => {
        for (let step = 0; step < 5; step++) gauge.record(step, { step });
        experiment.metric("loss", 1, { step: 1 });
      }, { installHooks: false })
      .then(() => (endedAt = Date.now()));
    for (let tick = 0; tick < 400 && endedAt === undefined; tick++) await vi.advanceTimersByTimeAsync(50);
    await running;
    expect(sink.kinds).toEqual(expect.arrayContaining(["metric"]));
    expect(endedAt! - started).toBeLessThanOrEqual(2000 + 100);
    // The experiment's own point and the view's five.
    expect(warnings.join("\n")).toMatch(/6 pending metrics.*best-effort flush after run\(\)/);
    const closing = experiment.close({ timeoutSeconds: 0 });
    for (let tick = 0; tick < 400; tick++) await vi.advanceTimersByTimeAsync(50);
    await closing;
  });
});
