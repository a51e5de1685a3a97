/**
 * The OTel exporters' `spoolDir`: a job instrumented with the real SDK is killed with SIGKILL while
 * Syvain is down; the next exporter on the same directory delivers what it left, exactly once.
 * Without `spoolDir` (and without SYVAIN_SPOOL_DIR) nothing touches the disk.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "syvain-metrics-otel/testing";
import { SyvainValidationError } from "../../../src/api/errors.ts";
import { createBridge } from "../../../src/bridge/create-bridge.ts";
import { SyvainLogRecordExporter } from "../../../src/exporter/log-exporter.ts";
import { createSyvainExporters } from "../../../src/exporter/otel/create-exporters.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { startLoggingJob } from "../../facade/logging-job.ts";
import { writerDirs } from "../../delivery/spool/spool-helpers.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "spool-otel-job.ts");
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-spool-otel-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every number below `count` in `seen`, and nothing twice. */
function expectExactlyOnce(seen: readonly number[], count: number): void {
  expect(new Set(seen).size).toBe(seen.length);
  const stored = new Set(seen);
  expect(Array.from({ length: count }, (_, i) => i).filter((i) => !stored.has(i))).toEqual([]);
}

describe("exporters with spoolDir, killed while Syvain is down", () => {
  it("the next exporter on the same directory delivers every point and log record recorded >= 1 s before the kill, once", async () => {
    const dataFile = path.join(root, "emulator.json");
    const spoolDir = path.join(root, "crash");
    const slug = "otel-spool-crash";
    let emulator: Emulator = await startEmulator({ dataFile, saveDelayMs: 10 });
    const port = Number(new URL(emulator.url).port);
    const job = startLoggingJob(fixture, [slug, spoolDir], { SYVAIN_METRICS_API_KEY: EMULATOR_API_KEY, SYVAIN_METRICS_HOST: emulator.url });
    try {
      // Up long enough to create the experiment and deliver a first batch; then Syvain goes away.
      await vi.waitFor(() => expect(emulator.store.metrics(slug).length).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
      await emulator.close();
      // At least 0.5 s of the outage falls more than 1 s before the kill: points only the spool can keep.
      await delay(1500 + Math.random() * 500);
      const killedAt = Date.now();
      job.child.kill("SIGKILL");
      expect(await job.closed).toBe("SIGKILL");
      const [steps = 0, notes = 0] = job.loggedBefore(killedAt, 1000)?.counts ?? [];
      expect(steps, job.stderr()).toBeGreaterThan(0);
      expect(writerDirs(spoolDir)).toHaveLength(1); // the dead job's records

      emulator = await startEmulator({ dataFile, port, saveDelayMs: 10 });
      const before = emulator.store.metrics(slug).length;
      expect(before).toBeLessThan(steps); // the outage left points undelivered
      const next = createSyvainExporters({ apiKey: EMULATOR_API_KEY, host: emulator.url, spoolDir });
      await vi.waitFor(() => expect(emulator.store.metrics(slug).length).toBeGreaterThanOrEqual(steps), { timeout: 20_000, interval: 50 });
      await next.shutdown();
      expect(next.spoolStats()).toMatchObject({ state: "closed", fallbacks: 0 });
      expect(next.spoolStats()?.resumed).toBeGreaterThan(0);
      expectExactlyOnce(emulator.store.metrics(slug).map((m) => Number(m.step)), steps);
      expectExactlyOnce(emulator.store.annotations(slug).map((a) => Number(a.text.replace("note ", ""))), notes);
      expect(writerDirs(spoolDir)).toEqual([]); // delivered and acknowledged: nothing left

      // A third exporter finds nothing to resend.
      const stored = emulator.store.metrics(slug).length;
      const third = createSyvainExporters({ apiKey: EMULATOR_API_KEY, host: emulator.url, spoolDir });
      await third.shutdown();
      expect(third.spoolStats()?.resumed).toBe(0);
      expect(emulator.store.metrics(slug)).toHaveLength(stored);
    } finally {
      job.child.kill("SIGKILL");
      await emulator.close();
    }
  });
});

describe("exporters' spoolDir option", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  /** Exports one gauge point through a reader and shuts it down. */
  async function exportThrough(reader: SyvainMetricReader, slug: string): Promise<void> {
    const provider = new MeterProvider({ resource: syvainResource({ slug }), readers: [reader] });
    provider.getMeter("m").createGauge("loss").record(0.5, { step: 1 });
    await provider.shutdown();
  }

  it("unset, with no SYVAIN_SPOOL_DIR: nothing is written to disk (the default directory stays absent)", async () => {
    const state = path.join(root, "xdg-state");
    vi.stubEnv("XDG_STATE_HOME", state);
    vi.stubEnv("SYVAIN_SPOOL_DIR", undefined);
    try {
      const reader = new SyvainMetricReader({ apiKey: EMULATOR_API_KEY, host: emulator.url });
      await exportThrough(reader, "otel-no-spool");
      expect(reader.exporter.spoolStats()).toBeNull();
      expect(emulator.store.metrics("otel-no-spool")).toHaveLength(1);
      expect(existsSync(state)).toBe(false);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("SYVAIN_SPOOL_DIR naming a directory turns it on; `spoolDir: false` wins over it", async () => {
    const fromEnv = path.join(root, "from-env");
    vi.stubEnv("SYVAIN_SPOOL_DIR", fromEnv);
    try {
      const reader = new SyvainMetricReader({ apiKey: EMULATOR_API_KEY, host: emulator.url });
      const provider = new MeterProvider({ resource: syvainResource({ slug: "otel-env-spool" }), readers: [reader] });
      provider.getMeter("m").createGauge("loss").record(0.5, { step: 1 });
      await provider.forceFlush();
      // While running, its writer directory holds what it queued; a clean shutdown removes it.
      expect(writerDirs(fromEnv)).toHaveLength(1);
      await provider.shutdown();
      expect(reader.exporter.spoolStats()).toMatchObject({ dir: path.join(fromEnv, new URL(emulator.url).host.replace(":", "_")), state: "closed", notSpooled: 0 });
      expect(writerDirs(fromEnv)).toEqual([]);

      const off = new SyvainMetricReader({ apiKey: EMULATOR_API_KEY, host: emulator.url, spoolDir: false });
      await exportThrough(off, "otel-env-spool-off");
      expect(off.exporter.spoolStats()).toBeNull();
      expect(emulator.store.metrics("otel-env-spool-off")).toHaveLength(1);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("SyvainLogRecordExporter with spoolDir: its records pass through the spool, a clean shutdown leaves nothing", async () => {
    const spoolDir = path.join(root, "logs");
    const exporter = new SyvainLogRecordExporter({ apiKey: EMULATOR_API_KEY, host: emulator.url, spoolDir });
    const provider = new LoggerProvider({ resource: syvainResource({ slug: "otel-log-spool" }), processors: [new BatchLogRecordProcessor({ exporter })] });
    for (let i = 0; i < 50; i++) provider.getLogger("l").emit({ body: `note ${i}` });
    await provider.forceFlush();
    expect(writerDirs(spoolDir)).toHaveLength(1);
    await provider.shutdown();
    expect(exporter.spoolStats()).toMatchObject({ state: "closed", fallbacks: 0, notSpooled: 0, eventsOnDisk: 0 });
    expect(emulator.store.annotations("otel-log-spool")).toHaveLength(50);
    expect(writerDirs(spoolDir)).toEqual([]);
  });

  it("SYVAIN_SPOOL_DIR=off keeps it off; a JSONL or custom-sink destination ignores the variable", () => {
    vi.stubEnv("SYVAIN_SPOOL_DIR", "off");
    try {
      expect(createSyvainExporters({ apiKey: EMULATOR_API_KEY, host: emulator.url }).spoolStats()).toBeNull();
    } finally {
      vi.unstubAllEnvs();
    }
    vi.stubEnv("SYVAIN_SPOOL_DIR", path.join(root, "ignored"));
    try {
      expect(createSyvainExporters({ jsonlPath: path.join(root, "out.jsonl") }).spoolStats()).toBeNull();
      expect(existsSync(path.join(root, "ignored"))).toBe(false);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("bad values name the field: a spool with a JSONL destination, a tiny bound, the bridge", () => {
    const jsonl = () => createSyvainExporters({ jsonlPath: path.join(root, "x.jsonl"), spoolDir: path.join(root, "s") });
    expect(jsonl).toThrow(SyvainValidationError);
    expect(jsonl).toThrow(/spoolDir.*not with jsonlPath/);
    expect(() => createSyvainExporters({ apiKey: EMULATOR_API_KEY, spoolDir: "" })).toThrow(/spoolDir/);
    expect(() => new SyvainMetricReader({ apiKey: EMULATOR_API_KEY, spoolDir: path.join(root, "s"), spoolMaxBytes: 10 })).toThrow(/spoolMaxBytes/);
    expect(() => createBridge({ syvain: { apiKey: EMULATOR_API_KEY, spoolDir: path.join(root, "s") } })).toThrow(/syvain\.spoolDir.*its own spool/);
  });
});
