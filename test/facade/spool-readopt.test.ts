/**
 * Periodic re-adoption with real processes: a Collector runs (in this process, its re-adoption
 * interval shortened), a second process on the same spool directory logs and is killed with
 * SIGKILL; without being restarted, the first Collector adopts the dead one's directory in the
 * background and delivers its points exactly once, and the crashed run ends `failed` with the
 * recovery annotation. The live Collector's own directory is never adopted by anyone.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { adoptionSchedule } from "../../src/destinations/leftovers/periodic-adoption.ts";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { crashJob, expectCrashRecovered } from "./crash-job.ts";

let root: string;
const savedInterval = adoptionSchedule.intervalMs;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-readopt-"));
  adoptionSchedule.intervalMs = 300;
});
afterAll(() => {
  adoptionSchedule.intervalMs = savedInterval;
  rmSync(root, { recursive: true, force: true });
});

describe("a running Collector re-adopts what processes that die meanwhile leave", () => {
  it("delivers a killed neighbour's points exactly once, and its run ends failed with the recovery note", async () => {
    await withEmulator(async (emulator) => {
      const spoolDir = path.join(root, "shared");
      const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
      try {
        const own = await collector.experiment("watcher");
        own.start();
        own.metric("heartbeat", 1, { step: 0 });
        // Its start-up adoption found nothing: the neighbour is not even started.
        expect(collector.stats().spool?.crashedRuns).toBe(0);
        const mustHave = await crashJob(emulator, "neighbour", "online", spoolDir);
        // No restart, no sync: the running Collector's background rounds deliver it.
        await vi.waitFor(() => expect(collector.stats().spool?.crashedRuns).toBe(1), { timeout: 30_000, interval: 50 });
        expectCrashRecovered(emulator, "neighbour", mustHave);
        // Later rounds send nothing again (exactly once, even with many rounds passing).
        const stored = emulator.store.metrics("neighbour").length;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(emulator.store.metrics("neighbour")).toHaveLength(stored);
        expect(emulator.store.experiment("watcher")?.status).toBe("running");
        // The dead writer's directory is now inside the live Collector's own, or already gone.
        const writers = readdirSync(hostSpoolDir(spoolDir, emulator.url)).filter((name) => name.startsWith("w-"));
        expect(writers).toHaveLength(1);
      } finally {
        await collector.close();
      }
      expect(emulator.store.metrics("watcher")).toHaveLength(1);
    });
  }, 60_000);

  it("a round that gave up (Syvain down too long) is read again by a later round, without a restart", async () => {
    await withEmulator(async (emulator) => {
      const spoolDir = path.join(root, "gave-up");
      const warnings: string[] = [];
      const onWarning = (w: Error): void => void (w.name === "SyvainSpoolWarning" && warnings.push(w.message));
      process.on("warning", onWarning);
      // The neighbour dies during an outage that outlasts the first rounds' 3 attempts per batch.
      emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
      const mustHave = await crashJob(emulator, "given-up", "online", spoolDir);
      const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
      try {
        await collector.experiment("patient");
        await vi.waitFor(() => expect(warnings.some((w) => w.includes("stopped") && w.includes("stay on disk"))).toBe(true), { timeout: 30_000, interval: 50 });
        expect(emulator.store.metrics("given-up")).toHaveLength(0);
        // Syvain is back: no restart, no sync, no new dead process; a later round delivers it all.
        emulator.faults.clear();
        await vi.waitFor(() => expect(collector.stats().spool?.crashedRuns).toBe(1), { timeout: 30_000, interval: 50 });
        expectCrashRecovered(emulator, "given-up", mustHave);
        // The recovery note counts every point delivered, over all rounds.
        const note = emulator.store.annotations("given-up").find((a) => a.text.startsWith("The run ended without finishing"));
        expect(note?.text).toContain(`${emulator.store.metrics("given-up").length} metric point(s)`);
        const stored = emulator.store.metrics("given-up").length;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(emulator.store.metrics("given-up")).toHaveLength(stored);
      } finally {
        process.off("warning", onWarning);
        await collector.close();
      }
      // Everything acknowledged: the adopted directory is gone with the collector's own.
      expect(readdirSync(hostSpoolDir(spoolDir, emulator.url)).filter((name) => name.startsWith("w-"))).toEqual([]);
    });
  }, 90_000);
});
