/**
 * Idle experiments are released (review 14, F8): a bridge sees a new experiment per training run
 * and kept each one's outbox for ever (~95 KB of RSS apiece). After `experimentIdleSeconds` with
 * nothing queued, in flight or being created, an experiment's state goes; its next export gets it
 * again, exactly once: the same experiment in Syvain, points already stored still duplicates, its
 * counts carried on. Virtual time drives the sweep (setInterval) and the idle clock (Date); the
 * deliveries run on real timers against the real emulator.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Emulator } from "syvain-metrics-otel/testing";
import { createSyvainExporters, type SyvainExporters } from "../../../src/exporter/otel/create-exporters.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { collectGauge, drainPendingWork, emulatorTarget, exportOnce, withEmulator } from "./helpers.ts";
import { writerDirs } from "../../delivery/spool/spool-helpers.ts";

const IDLE_SECONDS = 60;
/** The sweep runs every half idle time: released between 1 and 1.5 idle times after the last use. */
const RELEASED_AFTER_MS = IDLE_SECONDS * 1500;

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-idle-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.useRealTimers();
});

/** Only the sweep's interval and the clock are virtual: requests, retries and flush timers stay real. */
function virtualIdleClock(): void {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
}

async function exportSteps(exporters: SyvainExporters, slug: string, steps: number, from = 0): Promise<void> {
  const result = await exportOnce(exporters.metricExporter, await collectGauge(syvainResource({ slug }), steps, from));
  expect(result.error).toBeUndefined();
}

function storedSteps(emulator: Emulator, slug: string): number[] {
  return emulator.store
    .metrics(slug)
    .map((metric) => Number(metric.step))
    .sort((a, b) => a - b);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe("experimentIdleSeconds", () => {
  it("releases experiments idle that long, and a returning one is the same experiment, its points exactly once, its counts carried on", async () => {
    await withEmulator(async (emulator) => {
      virtualIdleClock();
      const exporters = createSyvainExporters({ ...emulatorTarget(emulator), experimentIdleSeconds: IDLE_SECONDS });
      for (const slug of ["run-a", "run-b", "run-c"]) await exportSteps(exporters, slug, 10);
      await exporters.forceFlush();
      const ids = new Map(exporters.stats().map((s) => [s.slug, s.experimentId]));
      expect(exporters.health().experimentsHeld).toBe(3);

      vi.advanceTimersByTime(IDLE_SECONDS * 1000 - 1000);
      expect(exporters.health().experimentsHeld).toBe(3);
      vi.advanceTimersByTime(RELEASED_AFTER_MS - IDLE_SECONDS * 1000 + 1000);
      expect(exporters.health().experimentsHeld).toBe(0);
      await drainPendingWork();
      // Released, not forgotten: their counts stay in stats().
      expect(exporters.stats().map((s) => [s.slug, s.experimentId, s.metrics.accepted, s.metrics.pending])).toEqual([
        ["run-a", ids.get("run-a"), 10, 0],
        ["run-b", ids.get("run-b"), 10, 0],
        ["run-c", ids.get("run-c"), 10, 0],
      ]);

      // run-a comes back: steps 0..9 again (already stored) and 10..19 (new).
      await exportSteps(exporters, "run-a", 20);
      await exporters.forceFlush();
      expect(exporters.health().experimentsHeld).toBe(1);
      expect(emulator.store.experiments().filter((e) => e.slug === "run-a")).toHaveLength(1);
      expect(storedSteps(emulator, "run-a")).toEqual(range(0, 20));
      const runA = exporters.stats().find((s) => s.slug === "run-a");
      expect(runA).toMatchObject({ experimentId: ids.get("run-a"), metrics: { enqueued: 30, accepted: 30, duplicates: 10, pending: 0, failed: 0, dropped: 0 } });
      await exporters.shutdown();
    });
  });

  it("keeps an experiment whose events are still waiting for Syvain, however long, and releases it once they are delivered", async () => {
    await withEmulator(async (emulator) => {
      virtualIdleClock();
      const exporters = createSyvainExporters({ ...emulatorTarget(emulator), experimentIdleSeconds: IDLE_SECONDS });
      await exportSteps(exporters, "slow", 1);
      await exporters.forceFlush();
      emulator.faults.script("ingestMetrics", Array.from({ length: 3 }, () => ({ status: 503, retryAfterSeconds: 1 })));
      await exportSteps(exporters, "slow", 5, 1);
      await vi.waitFor(() => expect(emulator.faults.pending().ingestMetrics ?? 0).toBeLessThan(3), { timeout: 10_000, interval: 20 });
      vi.advanceTimersByTime(10 * RELEASED_AFTER_MS);
      expect(exporters.health().experimentsHeld).toBe(1); // 5 events pending: not idle

      await vi.waitFor(() => expect(storedSteps(emulator, "slow")).toEqual(range(0, 6)), { timeout: 20_000, interval: 50 });
      await vi.waitFor(() => expect(exporters.stats()[0]?.metrics.pending).toBe(0), { timeout: 5_000, interval: 20 });
      vi.advanceTimersByTime(RELEASED_AFTER_MS);
      expect(exporters.health().experimentsHeld).toBe(0);
      await exporters.shutdown();
      expect(exporters.stats()[0]?.metrics).toMatchObject({ enqueued: 6, accepted: 6, pending: 0 });
    });
  });

  it("with a spool: a creation deferred while Syvain is down is kept until done; released and gotten again, nothing is left on disk or sent twice", async () => {
    await withEmulator(async (emulator) => {
      virtualIdleClock();
      const spoolDir = path.join(root, "deferred");
      emulator.faults.script("createExperiment", Array.from({ length: 8 }, () => ({ status: 503, retryAfterSeconds: 1 })));
      const exporters = createSyvainExporters({ ...emulatorTarget(emulator), spoolDir, experimentIdleSeconds: IDLE_SECONDS });
      await exportSteps(exporters, "deferred", 5);
      expect(exporters.stats()[0]?.experimentId).toBeUndefined(); // deferred: journaled, created later
      vi.advanceTimersByTime(10 * RELEASED_AFTER_MS);
      expect(exporters.health().experimentsHeld).toBe(1);

      await vi.waitFor(() => expect(storedSteps(emulator, "deferred")).toEqual(range(0, 5)), { timeout: 30_000, interval: 50 });
      await exporters.forceFlush();
      vi.advanceTimersByTime(RELEASED_AFTER_MS);
      expect(exporters.health().experimentsHeld).toBe(0);

      await exportSteps(exporters, "deferred", 10);
      await exporters.shutdown();
      expect(emulator.store.experiments().filter((e) => e.slug === "deferred")).toHaveLength(1);
      expect(storedSteps(emulator, "deferred")).toEqual(range(0, 10));
      expect(exporters.stats()[0]?.metrics).toMatchObject({ enqueued: 15, accepted: 15, duplicates: 5, pending: 0 });
      expect(writerDirs(spoolDir)).toEqual([]); // every record acknowledged, the creation's included
    });
  });

  it("null keeps every experiment", async () => {
    await withEmulator(async (emulator) => {
      virtualIdleClock();
      const exporters = createSyvainExporters({ ...emulatorTarget(emulator), experimentIdleSeconds: null });
      await exportSteps(exporters, "kept", 3);
      await exporters.forceFlush();
      vi.advanceTimersByTime(24 * 3600 * 1000);
      expect(exporters.health().experimentsHeld).toBe(1);
      await exporters.shutdown();
    });
  });
});
