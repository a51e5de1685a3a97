/**
 * A facade experiment's OTel view is spooled like `experiment.metric()`: a child records through
 * `experiment.createMeterProvider()` / `createLoggerProvider()` while Syvain refuses every ingest
 * (an outage: nothing it records is delivered by itself) and is killed with SIGKILL. Then, with
 * Syvain back, the next Collector on the same spool directory, or `deliverLeftovers` (what
 * `syvain-otel sync` runs), stores every point and log record recorded at least 1 s before the
 * kill exactly once, and the run ends `failed`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "syvain-metrics-otel/testing";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { Collector } from "../../src/facade/index.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { startLoggingJob } from "./logging-job.ts";
import { killAfterFirstLine } from "./crash-job.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "otel-view-job.ts");
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-otel-view-spool-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the job during an outage, kills it 1.5-2 s after its first record; gives what it recorded >= 1 s before. */
async function crashViewJob(emulator: Emulator, slug: string, spoolDir: string): Promise<{ points: number; notes: number }> {
  emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
  emulator.faults.random("ingestAnnotations", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
  const job = startLoggingJob(fixture, [slug], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_API_KEY: emulator.apiKey, SYVAIN_METRICS_HOST: emulator.url });
  const [points = 0, notes = 0] = (await killAfterFirstLine(job, 1500, 500))?.counts ?? [];
  expect(points, job.stderr()).toBeGreaterThan(0);
  expect(emulator.store.metrics(slug)).toHaveLength(0); // the outage: nothing reached Syvain from the job
  emulator.faults.clear();
  return { points, notes };
}

/** Steps 0 .. points-1 and notes 0 .. notes-1 each stored once, nothing twice, the run failed. */
function expectViewRecovered(emulator: Emulator, slug: string, recorded: { points: number; notes: number }): void {
  const steps = emulator.store.metrics(slug).filter((m) => m.name === "view.loss").map((m) => m.step);
  expect(new Set(steps).size).toBe(steps.length);
  const storedSteps = new Set(steps);
  expect(Array.from({ length: recorded.points }, (_, i) => i).filter((s) => !storedSteps.has(s))).toEqual([]);
  const notes = emulator.store.annotations(slug).map((a) => a.text).filter((text) => text.startsWith("note "));
  expect(new Set(notes).size).toBe(notes.length);
  const storedNotes = new Set(notes);
  expect(Array.from({ length: recorded.notes }, (_, i) => `note ${i}`).filter((n) => !storedNotes.has(n))).toEqual([]);
  expect(emulator.store.experiment(slug)?.status).toBe("failed");
}

describe("a facade experiment's OTel view, kill -9 during an outage", () => {
  it("the next Collector stores every point and log record recorded >= 1 s before the kill, once", async () => {
    await withEmulator(async (emulator) => {
      const spoolDir = path.join(root, "next-collector");
      const recorded = await crashViewJob(emulator, "view-next", spoolDir);
      const next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
      await next.experiment("view-next-run");
      await next.close();
      expectViewRecovered(emulator, "view-next", recorded);
      expect(next.stats().spool?.crashedRuns).toBe(1);
    });
  }, 60_000);

  it("so does deliverLeftovers (`syvain-otel sync`), and a second one finds nothing to send", async () => {
    await withEmulator(async (emulator) => {
      const spoolDir = path.join(root, "sync");
      const recorded = await crashViewJob(emulator, "view-sync", spoolDir);
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        const result = await deliverLeftovers({ spoolDir, client });
        expect(result).toMatchObject({ adoptedDirs: 1, crashedRuns: 1, stoppedBy: undefined, remaining: 0 });
        expectViewRecovered(emulator, "view-sync", recorded);
        expect(await deliverLeftovers({ spoolDir, client })).toMatchObject({ adoptedDirs: 0, metrics: 0, annotations: 0 });
      } finally {
        await client.close();
      }
    });
  }, 60_000);
});
