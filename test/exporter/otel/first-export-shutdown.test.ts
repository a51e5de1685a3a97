/**
 * A first export still waiting for its experiment's creation when the providers shut down, Syvain
 * accepting connections and never answering (a TCP gate in front of the emulator, held closed).
 * The export waited for the creation's every attempt (10 s each) or the SDK's export timeout
 * (`exportTimeoutMillis`, 30 s), so `meterProvider.shutdown()` / `loggerProvider.shutdown()` outlived
 * the exporters' own deadlines (1 s each here). Now the creation is deferred (the events wait in the
 * outbox, in memory or in the spool) and the shutdown ends within the exporters' deadlines, saying
 * what it did not deliver; with a spool, that it stays on disk for the next process or a sync.
 *
 * No wall-clock assertion: the gate opens 15 s after the shutdown starts, and the shutdown must have
 * ended before Syvain answered anything (the creation included).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordProcessor } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyvainExporters, type SyvainExporters } from "../../../src/exporter/otel/create-exporters.ts";
import { SyvainLogRecordProcessor } from "../../../src/exporter/log-processor.ts";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { startGate } from "../../facade/gated-syvain.ts";
import { withEmulator } from "./helpers.ts";

/** Syvain stays silent this long after the shutdown starts: longer than every deadline at stake. */
const SILENT_MS = 15_000;

let root: string;
beforeAll(() => void (root = mkdtempSync(path.join(tmpdir(), "first-export-shutdown-"))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Setup = (syvain: SyvainExporters, slug: string) => { record: () => void; shutdown: () => Promise<void> };

const metrics =
  (reader: (syvain: SyvainExporters) => MetricReader): Setup =>
  (syvain, slug) => {
    // A 60 s interval: the SDK's export timeout is then 30 s (ours: the interval, at most 30 s).
    const provider = new MeterProvider({ resource: syvainResource({ slug }), readers: [reader(syvain)] });
    return { record: () => provider.getMeter("m").createGauge("loss").record(0.5, { step: 1 }), shutdown: () => provider.shutdown() };
  };

const logs =
  (processor: (syvain: SyvainExporters) => LogRecordProcessor): Setup =>
  (syvain, slug) => {
    const provider = new LoggerProvider({ resource: syvainResource({ slug }), processors: [processor(syvain)] });
    return { record: () => provider.getLogger("l").emit({ body: "epoch 1 done" }), shutdown: () => provider.shutdown() };
  };

const cases: { name: string; kind: "metrics" | "annotations"; spool: boolean; setup: Setup }[] = [
  { name: "the SDK's PeriodicExportingMetricReader", kind: "metrics", spool: false, setup: metrics((s) => new PeriodicExportingMetricReader({ exporter: s.metricExporter, exportIntervalMillis: 60_000 })) },
  { name: "SyvainMetricReader, with a spool", kind: "metrics", spool: true, setup: metrics((s) => new SyvainMetricReader({ exporter: s.metricExporter, exportIntervalMillis: 60_000 })) },
  { name: "the SDK's BatchLogRecordProcessor, with a spool", kind: "annotations", spool: true, setup: logs((s) => new BatchLogRecordProcessor({ exporter: s.logExporter })) },
  { name: "SyvainLogRecordProcessor", kind: "annotations", spool: false, setup: logs((s) => new SyvainLogRecordProcessor({ exporter: s.logExporter })) },
];

describe("shutdown with a first export waiting for its experiment's creation (Syvain hangs)", () => {
  for (const { name, kind, spool, setup } of cases) {
    it(`${name}: ends within the exporters' deadlines and reports what it did not deliver`, async () => {
      await withEmulator(async (emulator) => {
        const gate = await startGate(emulator.port);
        const heard: string[] = [];
        const spoolDir = spool ? path.join(root, kind) : false;
        const syvain = createSyvainExporters({ apiKey: emulator.apiKey, host: gate.url, spoolDir, flushTimeoutSeconds: 1, shutdownTimeoutSeconds: 1, onWarning: (m) => void heard.push(m) });
        const slug = `first-export-${kind}-${spool ? "spool" : "memory"}`;
        const { record, shutdown } = setup(syvain, slug);
        let answered = false;
        const opens = setTimeout(() => {
          answered = true;
          gate.open();
        }, SILENT_MS);
        try {
          record();
          await shutdown();
          await syvain.shutdown();
          // Before Syvain answered anything: no creation came back to end the wait.
          expect(answered).toBe(false);
          expect(gate.held).toBeGreaterThanOrEqual(1);
        } finally {
          clearTimeout(opens);
          await gate.close();
        }
        // Queued, then given up at the deadline: counted, and the shutdown's account says so.
        const [stats] = syvain.stats();
        expect(stats?.[kind]).toMatchObject({ enqueued: 1, accepted: 0, pending: 0, failed: 1 });
        expect(stats?.failedExports).toBe(0);
        const account = heard.find((m) => m.startsWith(`shutdown: delivery to experiment "${slug}" incomplete`));
        expect(account).toBeDefined();
        if (spool) {
          expect(account).toContain(`kept on disk in ${spoolDir}`);
          expect(syvain.spoolStats()?.eventsOnDisk).toBeGreaterThanOrEqual(1);
        } else {
          expect(account).not.toContain("kept on disk");
        }
      });
    }, 40_000);
  }
});
