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
});
