/**
 * The OTel exporter contract: export() calls back exactly once, promptly, never throws; FAILED
 * results say why; exports after shutdown fail; overflow fails the export that caused it.
 */
import { DiagLogLevel, diag, type DiagLogger } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import { resourceFromAttributes, type Resource } from "@opentelemetry/resources";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { describe, expect, it, vi } from "vitest";
import { SyvainError } from "../../../src/api/errors.ts";
import { SyvainLogRecordExporter } from "../../../src/exporter/log-exporter.ts";
import { SyvainMetricExporter } from "../../../src/exporter/metric-exporter.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { ManualReader, collectGauge, exportOnce, shutDownAndDrain } from "./helpers.ts";
import { GatedSink, UnavailableSink } from "./test-sinks.ts";

function logRecord(resource: Resource, body: unknown): ReadableLogRecord {
  return {
    hrTime: [1_790_000_000, 0],
    hrTimeObserved: [1_790_000_000, 0],
    resource,
    instrumentationScope: { name: "test" },
    attributes: {},
    droppedAttributesCount: 0,
    get body() {
      if (body instanceof Error) throw body;
      return body as string;
    },
  };
}

const silentLogger: DiagLogger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined, verbose: () => undefined };

const codeOf = (error: Error | undefined): string | undefined => (error instanceof SyvainError ? error.code : undefined);

describe("export() discipline", () => {
  it("answers a known experiment's export before returning, without waiting for delivery", async () => {
    const sink = new GatedSink();
    const exporter = new SyvainMetricExporter({ sink: () => sink });
    const resource = syvainResource({ slug: "prompt" });
    await exportOnce(exporter, await collectGauge(resource, 3)); // the first export creates the experiment
    let answered: number | undefined;
    exporter.export(await collectGauge(resource, 3, 3), (result) => (answered = result.code));
    expect(answered).toBe(ExportResultCode.SUCCESS);
    expect(sink.delivered).toHaveLength(0); // nothing delivered yet: the sink is still closed
    sink.release();
    await exporter.forceFlush();
    expect(sink.delivered.flatMap((batch) => (batch.kind === "metric" ? batch.items.map((e) => e.step) : []))).toEqual([0, 1, 2, 3, 4, 5]);
    await exporter.shutdown();
  });

  it("fails (once, without throwing) when the resource cannot be read or names no experiment", async () => {
    const exporter = new SyvainMetricExporter({ sink: () => new GatedSink() });
    const throwing = {
      get attributes(): never {
        throw new Error("resource detector exploded");
      },
    } as unknown as Resource;
    const broken = await exportOnce(exporter, { resource: throwing, scopeMetrics: [] });
    expect(broken.code).toBe(ExportResultCode.FAILED);
    expect(broken.error?.message).toContain("resource detector exploded");
    // Our code (or a plugged-in part) failing is `internal`, never the sender's bad input.
    expect(codeOf(broken.error)).toBe("internal");

    const unnamed = await exportOnce(exporter, await collectGauge(resourceFromAttributes({ "service.name": "unknown_service:node" }), 1));
    expect(unnamed.code).toBe(ExportResultCode.FAILED);
    expect(codeOf(unnamed.error)).toBe("invalid_argument");
    expect(unnamed.error?.message).toContain("syvain.experiment.slug");
    await shutDownAndDrain(exporter);
    expect([broken.calls(), unnamed.calls()]).toEqual([1, 1]);
  });

  it("does not call a throwing callback twice", async () => {
    const sink = new GatedSink({ open: true });
    const exporter = new SyvainMetricExporter({ sink: () => sink });
    const data = await collectGauge(syvainResource({ slug: "cb" }), 1);
    let calls = 0;
    await new Promise<void>((resolve) => {
      expect(() =>
        exporter.export(data, () => {
          calls += 1;
          resolve();
          throw new Error("callback bug");
        }),
      ).not.toThrow();
    });
    // Delivery, flush and shutdown are the paths that could answer again: let them all run first.
    await shutDownAndDrain(exporter);
    expect(calls).toBe(1);
    expect(sink.delivered.flatMap((batch) => (batch.kind === "metric" ? batch.items.map((e) => e.step) : []))).toEqual([0]); // the export itself went through
  });

  it(
    "answers once, creates experiments and never throws when the diag logger throws",
    async () => {
      let armed = false;
      const explode = (): void => {
        if (armed) throw new Error("diag logger bug");
      };
      diag.setLogger({ error: explode, warn: explode, info: explode, debug: explode, verbose: explode }, DiagLogLevel.ALL);
      armed = true;
      try {
        const sink = new GatedSink({ open: true });
        const exporter = new SyvainMetricExporter({
          sink: ({ slug }) => {
            if (slug === "refused") throw new SyvainError("forbidden", "not allowed here");
            return sink;
          },
        });
        const ok = await exportOnce(exporter, await collectGauge(syvainResource({ slug: "logged" }), 2));
        expect(ok.code).toBe(ExportResultCode.SUCCESS);
        const refused = await exportOnce(exporter, await collectGauge(syvainResource({ slug: "refused" }), 2));
        expect(refused.code).toBe(ExportResultCode.FAILED);
        expect(codeOf(refused.error)).toBe("forbidden");
        await shutDownAndDrain(exporter);
        expect([ok.calls(), refused.calls()]).toEqual([1, 1]);
        expect(exporter.stats().find((s) => s.slug === "logged")?.metrics).toMatchObject({ enqueued: 2, accepted: 2 });
      } finally {
        armed = false;
        diag.disable();
      }
    },
    10_000,
  );

  it("queues the good resource groups of a log batch and fails for the bad one", async () => {
    const sink = new GatedSink({ open: true });
    const exporter = new SyvainLogRecordExporter({ sink: () => sink });
    const good = syvainResource({ slug: "good" });
    const bad = syvainResource({ slug: "bad" });
    const result = await exportOnce(exporter, [logRecord(good, "kept"), logRecord(bad, new Error("body getter exploded"))]);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toContain("body getter exploded");
    await exporter.forceFlush();
    expect(sink.delivered.flatMap((batch) => (batch.kind === "annotation" ? batch.items.map((a) => a.text) : []))).toEqual(["kept"]);
    expect(exporter.stats().find((s) => s.slug === "bad")?.failedExports).toBe(1);
    await exporter.shutdown();
  });

  it("fails the export whose enqueue evicted queued events, and reports backpressure", async () => {
    const sink = new GatedSink();
    const exporter = new SyvainMetricExporter({ sink: () => sink, maxQueueItems: 10 });
    const resource = syvainResource({ slug: "full" });
    expect((await exportOnce(exporter, await collectGauge(resource, 8))).code).toBe(ExportResultCode.SUCCESS);
    expect(exporter.isBackpressured()).toBe(true); // 8 of 10 slots in use
    expect(exporter.health().reasons[0]).toContain("8 of 10 queue slots");

    const overflow = await exportOnce(exporter, await collectGauge(resource, 5, 8));
    expect(overflow.code).toBe(ExportResultCode.FAILED);
    expect(codeOf(overflow.error)).toBe("queue_overflow");
    expect(overflow.error?.message).toMatch(/"full".*3 oldest queued events were evicted/);
    expect(exporter.stats()[0]?.metrics).toMatchObject({ enqueued: 13, dropped: 3, pending: 10 });
    sink.release();
    await exporter.forceFlush();
    expect(exporter.isBackpressured()).toBe(false);
    await exporter.shutdown();
  });

  it("reports Syvain as unavailable while retryable failures keep events queued, and not once it recovers", async () => {
    const sink = new UnavailableSink();
    const exporter = new SyvainMetricExporter({ sink: () => sink, flushTimeoutSeconds: 0.05, shutdownTimeoutSeconds: 0.05 });
    const resource = syvainResource({ slug: "down" });
    await exportOnce(exporter, await collectGauge(resource, 2));
    await exporter.forceFlush();
    expect(exporter.health()).toEqual({ backpressured: true, reasons: [expect.stringContaining('"down": Syvain unavailable (HTTP 503: unavailable); 2 events waiting')], experimentsHeld: 1 });

    sink.down = false;
    sink.release();
    await exporter.forceFlush();
    expect(exporter.stats()[0]?.metrics).toMatchObject({ accepted: 2, pending: 0 });
    expect(exporter.stats()[0]?.lastError?.message).toContain("503"); // the last error is history...
    // ...so events waiting after the recovery (a slow Syvain, not a failing one) are not "unavailable".
    sink.hold();
    await exportOnce(exporter, await collectGauge(resource, 2, 2));
    expect(exporter.stats()[0]?.metrics.pending).toBe(2);
    await vi.waitFor(() => expect(sink.stalled).toBeGreaterThan(0)); // the background flush is now stuck on the slow sink
    expect(exporter.isBackpressured()).toBe(false);
    sink.release();
    await exporter.shutdown();
    expect(exporter.stats()[0]?.metrics).toMatchObject({ accepted: 4, pending: 0 });
  });

  it("still counts undelivered events after a shutdown that could not drain", async () => {
    const exporter = new SyvainMetricExporter({ sink: () => new UnavailableSink(), shutdownTimeoutSeconds: 0.05 });
    await exportOnce(exporter, await collectGauge(syvainResource({ slug: "lossy" }), 2));
    await exporter.shutdown();
    expect(exporter.stats()[0]?.metrics.pending).toBe(2); // never lost silently
  });

  it("warns through diag and counts the points the mapping drops", async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (...args: unknown[]) => void warnings.push(args.map(String).join(" ")) };
    diag.setLogger(logger, DiagLogLevel.WARN);
    try {
      const sink = new GatedSink({ open: true });
      const exporter = new SyvainMetricExporter({ sink: () => sink });
      const reader = new ManualReader();
      const provider = new MeterProvider({ resource: syvainResource({ slug: "noisy" }), readers: [reader] });
      const gauge = provider.getMeter("t").createGauge("loss");
      gauge.record(Number.NaN, { step: 1 });
      gauge.record(0.5, { step: -3 });
      gauge.record(0.25, { step: 2 });
      const { resourceMetrics } = await reader.collect();
      expect((await exportOnce(exporter, resourceMetrics)).code).toBe(ExportResultCode.SUCCESS);
      expect(exporter.stats()[0]?.metrics).toMatchObject({ enqueued: 1, invalid: 2 });
      expect(warnings).toEqual([expect.stringMatching(/syvain-metrics-otel.*"noisy": dropped 2 invalid points.*non_finite_value.*invalid_step/)]);
      await provider.shutdown();
      await exporter.shutdown();
    } finally {
      diag.disable();
    }
  });

  it("reports a retryable creation failure as unavailable, and recovers on a later export", async () => {
    let attempts = 0;
    const sink = new GatedSink({ open: true });
    const exporter = new SyvainMetricExporter({
      sink: () => {
        attempts += 1;
        if (attempts === 1) throw new SyvainError("server", "HTTP 503 while creating", { retryable: true });
        return sink;
      },
    });
    const data = await collectGauge(syvainResource({ slug: "flaky" }), 2);
    const failed = await exportOnce(exporter, data);
    expect(codeOf(failed.error)).toBe("server");
    expect(failed.error?.message).toContain('"flaky"');
    expect(exporter.health().reasons).toEqual([expect.stringContaining('"flaky": Syvain unavailable')]);
    expect((await exportOnce(exporter, data)).code).toBe(ExportResultCode.SUCCESS);
    expect(exporter.isBackpressured()).toBe(false);
    expect(exporter.stats()[0]).toMatchObject({ failedExports: 1, experimentId: "local:flaky" });
    await exporter.shutdown();
  });

  it("fails exports after shutdown, and shuts down once", async () => {
    const sink = new GatedSink({ open: true });
    const exporter = new SyvainMetricExporter({ sink: () => sink });
    const data = await collectGauge(syvainResource({ slug: "closed" }), 2);
    expect((await exportOnce(exporter, data)).code).toBe(ExportResultCode.SUCCESS);
    const shutdown = exporter.shutdown();
    expect(exporter.shutdown()).toBe(shutdown);
    await shutdown;
    expect(sink.delivered).toHaveLength(1); // drained before closing
    const late = await exportOnce(exporter, data);
    expect(late.code).toBe(ExportResultCode.FAILED);
    expect(codeOf(late.error)).toBe("shutdown");
    await expect(exporter.forceFlush()).resolves.toBeUndefined();
  });
});
