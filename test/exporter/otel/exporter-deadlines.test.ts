/**
 * `forceFlush()` and `shutdown()` keep their deadlines whatever Syvain does: a request that never
 * answers (ingest or experiment creation) is abandoned at the deadline, and an export still waiting
 * for its experiment is answered FAILED. A real HTTP server that holds requests plays the hung host.
 */
import { ExportResultCode } from "@opentelemetry/core";
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SyvainError } from "../../../src/api/errors.ts";
import { SyvainMetricExporter } from "../../../src/exporter/metric-exporter.ts";
import { createSyvainExporters } from "../../../src/exporter/otel/create-exporters.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { experiment, json, startScriptedServer, type ScriptedServer } from "../../client/scripted-server.ts";
import { collectGauge, drainPendingWork, exportOnce } from "./helpers.ts";
import { GatedSink, UnavailableSink } from "./test-sinks.ts";

const KEY = "ak_org_deadline_test";
/** A test that hangs instead of keeping its deadline fails here, well before the client's own timeouts (10 s, 60 s). */
const HANG_LIMIT_MS = 8_000;

let server: ScriptedServer | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

/** Answers experiment creation (unless `holdCreation`), and never answers anything else. */
async function hungServer(options: { holdCreation: boolean }): Promise<{ server: ScriptedServer; held: ServerResponse[] }> {
  const held: ServerResponse[] = [];
  server = await startScriptedServer((request, response) => {
    if (request.url === "/api/v1/experiments" && !options.holdCreation) return json(response, 201, { experiment: experiment("exp-1", "hung") });
    held.push(response);
  });
  return { server, held };
}

/** Polling bound for `vi.waitFor`: well inside HANG_LIMIT_MS, so a condition never met fails with its own message. */
const POLL = { timeout: 5_000, interval: 5 };

describe("exporter deadlines", () => {
  it(
    "shutdown() keeps its deadline while an ingest request hangs, and accounts for the abandoned events",
    async () => {
      const { server, held } = await hungServer({ holdCreation: false });
      const exporter = new SyvainMetricExporter({ apiKey: KEY, host: server.url, shutdownTimeoutSeconds: 0.3, flushDelaySeconds: 0 });
      expect((await exportOnce(exporter, await collectGauge(syvainResource({ slug: "hung" }), 3))).code).toBe(ExportResultCode.SUCCESS);
      await vi.waitFor(() => expect(held).toHaveLength(1), POLL);
      await exporter.shutdown();
      await vi.waitFor(() => expect(exporter.stats()[0]?.metrics.pending).toBe(0), POLL);
      const [stats] = exporter.stats();
      expect(stats?.metrics).toMatchObject({ enqueued: 3, accepted: 0, failed: 3 });
      expect(stats?.lastError?.code).toBe("shutdown");
      expect(stats?.lastError?.message).toContain("abandoned");
      expect(stats?.lastError?.message).not.toContain(KEY);
    },
    HANG_LIMIT_MS,
  );

  it(
    "shutdown() keeps its deadline while experiment creation hangs, and fails the waiting export",
    async () => {
      const { server } = await hungServer({ holdCreation: true });
      const exporter = new SyvainMetricExporter({ apiKey: KEY, host: server.url, shutdownTimeoutSeconds: 0.3 });
      const answered = exportOnce(exporter, await collectGauge(syvainResource({ slug: "hung" }), 3));
      await vi.waitFor(() => expect(server.requests).toHaveLength(1), POLL);
      await exporter.shutdown();
      const result = await answered;
      expect(result.code).toBe(ExportResultCode.FAILED);
      await drainPendingWork(); // shut down: nothing is left that could answer again
      expect(result.calls()).toBe(1);
      expect((result.error as SyvainError).code).toBe("shutdown");
      expect(result.error?.message).toContain('"hung"');
      expect(server.requests).toHaveLength(1);
    },
    HANG_LIMIT_MS,
  );

  it(
    "forceFlush() keeps its deadline while experiment creation hangs",
    async () => {
      const { server } = await hungServer({ holdCreation: true });
      const exporter = new SyvainMetricExporter({ apiKey: KEY, host: server.url, flushTimeoutSeconds: 0.3, shutdownTimeoutSeconds: 0.1 });
      const answered = exportOnce(exporter, await collectGauge(syvainResource({ slug: "hung" }), 3));
      await vi.waitFor(() => expect(server.requests).toHaveLength(1), POLL);
      await exporter.forceFlush();
      await exporter.shutdown();
      expect((await answered).code).toBe(ExportResultCode.FAILED);
    },
    HANG_LIMIT_MS,
  );

  it("shutting down a metric + log pair waits shutdownTimeoutSeconds, not flushTimeoutSeconds", async () => {
    const data = await collectGauge(syvainResource({ slug: "down" }), 2);
    vi.useFakeTimers();
    const exporters = createSyvainExporters({ sink: () => new UnavailableSink(), flushTimeoutSeconds: 30, shutdownTimeoutSeconds: 1 });
    let exported: ExportResultCode | undefined;
    exporters.metricExporter.export(data, (result) => (exported = result.code));
    await vi.advanceTimersByTimeAsync(0);
    expect(exported).toBe(ExportResultCode.SUCCESS);
    let done = false;
    void exporters.shutdown().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    expect(exporters.stats()[0]?.metrics).toMatchObject({ enqueued: 2, pending: 2 });
  });

  it("forceFlush() honours a flushTimeoutSeconds longer than the longest timer Node can set", async () => {
    const data = await collectGauge(syvainResource({ slug: "patient" }), 2);
    vi.useFakeTimers();
    const sink = new GatedSink();
    const exporter = new SyvainMetricExporter({ sink: () => sink, flushTimeoutSeconds: 30 * 86_400 });
    exporter.export(data, () => undefined);
    await vi.advanceTimersByTimeAsync(0);
    let flushed: "resolved" | "rejected" | undefined;
    exporter.forceFlush().then(
      () => (flushed = "resolved"),
      () => (flushed = "rejected"),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(flushed).toBeUndefined();
    sink.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed).toBe("resolved");
    expect(exporter.stats()[0]?.metrics).toMatchObject({ enqueued: 2, accepted: 2, pending: 0 });
  });
});
