/**
 * `close({ timeoutSeconds })` is one deadline for everything it covers, the experiment's OTel view
 * included: the view's providers were shut down with their own deadline (`exitFlushTimeoutSeconds`),
 * so a longer `timeoutSeconds` still gave the view's points up at `exitFlushTimeoutSeconds`, and a
 * shorter one returned while the view's exporters went on draining in the background. Fake timers
 * (and clock): every time here is virtual.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { IngestResult } from "../../src/api/contract.ts";
import { SyvainError } from "../../src/api/errors.ts";
import type { Batch } from "../../src/delivery/delivery-types.ts";
import { HangingSink, RecordingSink, testExperiment } from "./helpers.ts";

afterEach(() => {
  vi.useRealTimers();
});

const FAKE: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "Date"] };

/** Syvain unavailable (a retryable 503) until `upAt` (virtual epoch ms), then accepting everything. */
class DownUntilSink extends RecordingSink {
  readonly upAt: number;

  constructor(upAt: number) {
    super();
    this.upAt = upAt;
  }

  override deliver(batch: Batch): Promise<IngestResult> {
    if (Date.now() < this.upAt) return Promise.reject(new SyvainError("server", "HTTP 503: unavailable", { retryable: true }));
    return super.deliver(batch);
  }
}

async function advanceUntil(done: () => boolean): Promise<void> {
  for (let tick = 0; tick < 1_000 && !done(); tick++) await vi.advanceTimersByTimeAsync(50);
}

describe("experiment.close({ timeoutSeconds }) with an OTel view", () => {
  it("a longer timeoutSeconds than exitFlushTimeoutSeconds holds for the view's points too", async () => {
    vi.useFakeTimers(FAKE);
    const sink = new DownUntilSink(Date.now() + 3_000);
    const { experiment } = testExperiment({ sink, exitFlushTimeoutSeconds: 1 });
    // The view's drain retries until its deadline (the experiment's own close() makes one attempt).
    experiment.createMeterProvider().getMeter("m").createGauge("otel_loss").record(1, { step: 1 });
    let closed = false;
    const closing = experiment.close({ timeoutSeconds: 30 }).then((status) => ((closed = true), status));
    await advanceUntil(() => closed);
    const status = await closing;
    // Syvain is back after 3 s, within the caller's 30 s: the view's point is delivered.
    expect(status).toMatchObject({ ok: true, pendingMetrics: 0, failedMetrics: 0 });
    expect(sink.metrics.map((m) => m.name)).toEqual(["otel_loss"]);
  });

  it("a shorter timeoutSeconds shuts the view down by then: its account is given before close() returns, nothing drains after", async () => {
    const heard: string[] = [];
    vi.spyOn(process, "emitWarning").mockImplementation((warning: string | Error) => void heard.push(String(warning)));
    vi.useFakeTimers(FAKE);
    const sink = new HangingSink();
    const { experiment } = testExperiment({ sink, exitFlushTimeoutSeconds: 10 });
    const meterProvider = experiment.createMeterProvider();
    meterProvider.getMeter("m").createGauge("otel_loss").record(1, { step: 1 });
    const started = Date.now();
    let closedAt: number | undefined;
    const closing = experiment.close({ timeoutSeconds: 1 }).then((status) => ((closedAt = Date.now()), status));
    await advanceUntil(() => closedAt !== undefined);
    const status = await closing;
    expect(closedAt! - started).toBeLessThanOrEqual(1_000 + 100);
    // The view's point was not delivered, and close() says so.
    expect(status).toMatchObject({ ok: false, pendingMetrics: 1 });
    // The view's exporter closed by then (its shutdown's account is given) rather than draining on for 10 s.
    const account = /shutdown: delivery to experiment "unit-run" incomplete: 1 pending/;
    expect(heard.filter((w) => account.test(w))).toHaveLength(1);
    let providerDown = false;
    void meterProvider.shutdown().then(() => (providerDown = true)); // the same shutdown, already over
    await vi.advanceTimersByTimeAsync(0);
    expect(providerDown).toBe(true);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(sink.attempts).toBe(1);
    expect(heard.filter((w) => account.test(w))).toHaveLength(1);
  });
});
