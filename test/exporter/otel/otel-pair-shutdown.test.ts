/**
 * The README's OTel pair (a metric and a log exporter from createSyvainExporters() in a real
 * MeterProvider + LoggerProvider) shut down the way the README does it. From an outside review
 * (review7, found from a packed tarball; its tests rewritten here on a gated sink and fake timers,
 * so they assert states and virtual time, never the wall clock):
 *
 * 1. meterProvider.shutdown() while the job still logs: the shared core's flush counted the log
 *    records queued while it ran as "pending" and warned "delivery incomplete" although everything
 *    it covered was delivered. Warnings are once per experiment per minute, so that false one
 *    silenced a real loss that followed at loggerProvider.shutdown().
 * 2. loggerProvider.shutdown() during an outage took flushTimeoutSeconds + shutdownTimeoutSeconds:
 *    the SDK's batch processor calls the exporter's forceFlush() before its shutdown(). With
 *    SyvainLogRecordProcessor (the README's processor now) it keeps shutdownTimeoutSeconds.
 * 3. The README shut the two providers down one after the other: during an outage each waited its
 *    own shutdownTimeoutSeconds. It now shuts them down together, within one.
 */
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SyvainLogRecordProcessor } from "../../../src/exporter/log-processor.ts";
import { createSyvainExporters } from "../../../src/exporter/otel/create-exporters.ts";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { collectGauge } from "./helpers.ts";
import { GatedSink, SilentSink, UnavailableSink } from "./test-sinks.ts";

/** Polling bound for `vi.waitFor` (real time, for states reached through real promises). */
const POLL = { timeout: 5_000, interval: 2 };

afterEach(() => {
  vi.useRealTimers();
});

describe("the OTel pair's shutdown", () => {
  it("a meterProvider.shutdown() racing a log export, with everything it covered delivered, warns nothing", async () => {
    const heard: string[] = [];
    const sink = new GatedSink({ open: true });
    // Background delivery waits a minute: what reaches the sink here, a flush sent.
    const syvain = createSyvainExporters({ sink: () => sink, flushDelaySeconds: 60, shutdownTimeoutSeconds: 30, onWarning: (message) => heard.push(message) });
    const resource = syvainResource({ slug: "pair-race" });
    const meterProvider = new MeterProvider({ resource, readers: [new SyvainMetricReader({ exporter: syvain.metricExporter, exportIntervalMillis: 3_600_000 })] });
    // A full batch (2 records) is exported at once, without the processor's timer.
    const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: syvain.logExporter, maxExportBatchSize: 2, scheduledDelayMillis: 3_600_000 })] });
    const logger = loggerProvider.getLogger("t");
    logger.emit({ body: "note 0" });
    logger.emit({ body: "note 1" });
    await vi.waitFor(() => expect(syvain.stats()[0]?.annotations.enqueued).toBe(2), POLL);
    await syvain.forceFlush();

    sink.hold();
    meterProvider.getMeter("t").createGauge("loss").record(1, { step: 0 });
    const meterShutdown = meterProvider.shutdown(); // the job keeps logging
    await vi.waitFor(() => expect(sink.stalled).toBe(1), POLL); // the flush's metric batch, held
    logger.emit({ body: "note 2" });
    logger.emit({ body: "note 3" });
    await vi.waitFor(() => expect(syvain.stats()[0]?.annotations).toMatchObject({ enqueued: 4, pending: 2 }), POLL);
    sink.release();
    await meterShutdown;
    expect(heard).toEqual([]); // was: ['forceFlush: delivery to experiment "pair-race" incomplete: 2 pending, 0 failed, 0 dropped']

    await loggerProvider.shutdown();
    const [stats] = syvain.stats();
    expect(stats?.metrics).toMatchObject({ enqueued: 1, accepted: 1, pending: 0 });
    expect(stats?.annotations).toMatchObject({ enqueued: 4, accepted: 4, pending: 0, failed: 0 });
    expect(heard).toEqual([]);
  });

  it("a flush's 'still pending' note does not silence the loss a shutdown reports after it", async () => {
    const data = await collectGauge(syvainResource({ slug: "pair-outage" }), 3);
    vi.useFakeTimers();
    const heard: string[] = [];
    const syvain = createSyvainExporters({ sink: () => new UnavailableSink(), flushTimeoutSeconds: 1, shutdownTimeoutSeconds: 1, onWarning: (message) => heard.push(message) });
    syvain.metricExporter.export(data, () => undefined);
    await vi.advanceTimersByTimeAsync(0);
    const flushed = syvain.forceFlush();
    await vi.advanceTimersByTimeAsync(1_000);
    await flushed;
    expect(heard).toEqual([expect.stringMatching(/^forceFlush: delivery to experiment "pair-outage" incomplete: 3 pending/)]);
    const shutdown = syvain.shutdown();
    await vi.advanceTimersByTimeAsync(1_000);
    await shutdown;
    // The shutdown's account comes within the same minute, and is said: the 3 points are lost.
    expect(heard).toHaveLength(2);
    expect(heard[1]).toMatch(/^shutdown: delivery to experiment "pair-outage" incomplete: 3 pending/);
  });

  it("loggerProvider.shutdown() during an outage keeps shutdownTimeoutSeconds (not flushTimeoutSeconds + it), and counts what it could not deliver", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "Date"] });
    const heard: string[] = [];
    const sink = new SilentSink();
    const syvain = createSyvainExporters({ sink: () => sink, flushTimeoutSeconds: 30, shutdownTimeoutSeconds: 1, onWarning: (message) => heard.push(message) });
    const resource = syvainResource({ slug: "pair-silent" });
    const loggerProvider = new LoggerProvider({ resource, processors: [new SyvainLogRecordProcessor({ exporter: syvain.logExporter })] });
    const meterProvider = new MeterProvider({ resource, readers: [new SyvainMetricReader({ exporter: syvain.metricExporter })] });
    const logger = loggerProvider.getLogger("t");
    for (let i = 0; i < 5; i++) logger.emit({ body: `during ${i}` });
    const started = Date.now();
    let endedAt: number | undefined;
    const shutdown = loggerProvider.shutdown().then(() => (endedAt = Date.now()));
    for (let tick = 0; tick < 1_000 && endedAt === undefined; tick++) await vi.advanceTimersByTimeAsync(50);
    await shutdown;
    // Virtual time: the SDK's processor alone waited 30 s in the exporter's forceFlush() first.
    expect(endedAt! - started).toBeLessThanOrEqual(1_000 + 100);
    expect(sink.requests).toBeGreaterThanOrEqual(1); // the records were sent, into the silence
    expect(syvain.stats()[0]?.annotations).toMatchObject({ enqueued: 5, accepted: 0, pending: 5 });
    // Named after what the user called (it said "forceFlush:", the drain's own name).
    expect(heard).toEqual([expect.stringMatching(/^shutdown: delivery to experiment "pair-silent" incomplete: 5 pending/)]);
    // The metric exporter still holds the core: its shutdown closes it, and says what is lost.
    const meterShutdown = meterProvider.shutdown();
    await vi.advanceTimersByTimeAsync(1_100);
    await meterShutdown;
    expect(heard.at(-1)).toMatch(/^shutdown: delivery to experiment "pair-silent" incomplete: 5 pending/);
  });

  it("both providers shut down together (as the README does) during an outage end within one shutdownTimeoutSeconds, and say what is lost", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "Date"] });
    const heard: string[] = [];
    const syvain = createSyvainExporters({ sink: () => new SilentSink(), shutdownTimeoutSeconds: 2, onWarning: (message) => heard.push(message) });
    const resource = syvainResource({ slug: "pair-together" });
    const meterProvider = new MeterProvider({ resource, readers: [new SyvainMetricReader({ exporter: syvain.metricExporter })] });
    const loggerProvider = new LoggerProvider({ resource, processors: [new SyvainLogRecordProcessor({ exporter: syvain.logExporter })] });
    meterProvider.getMeter("t").createGauge("loss").record(1, { step: 0 });
    loggerProvider.getLogger("t").emit({ body: "note" });
    const started = Date.now();
    let endedAt: number | undefined;
    const both = Promise.all([meterProvider.shutdown(), loggerProvider.shutdown()]).then(() => (endedAt = Date.now()));
    for (let tick = 0; tick < 1_000 && endedAt === undefined; tick++) await vi.advanceTimersByTimeAsync(50);
    await both;
    expect(endedAt! - started).toBeLessThanOrEqual(2_000 + 100); // virtual time: one deadline, not two in a row
    expect(syvain.stats()[0]).toMatchObject({ metrics: { enqueued: 1, accepted: 0 }, annotations: { enqueued: 1, accepted: 0 } });
    expect(heard.some((message) => /^shutdown: delivery to experiment "pair-together" incomplete: 2 pending/.test(message))).toBe(true);
  });
});
