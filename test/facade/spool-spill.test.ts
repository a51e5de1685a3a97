/**
 * The facade during an outage with a tiny `maxQueueItems`: what does not fit in memory spills to
 * the Collector's spool and this same process delivers all of it, once, after Syvain is back —
 * nothing dropped, nothing left for a later run. `collector.stats().memory` shows the spill.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { writerDirs } from "../delivery/spool/spool-helpers.ts";

let emulator: Emulator;
let root: string;

beforeAll(async () => {
  emulator = await startEmulator();
  root = mkdtempSync(path.join(tmpdir(), "syvain-spool-spill-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(root, { recursive: true, force: true });
});

describe("Collector spill", () => {
  it("delivers every event of an outage once, in this process, with memory within maxQueueItems", async () => {
    const spoolDir = path.join(root, "outage");
    const maxQueueItems = 100;
    const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir, maxQueueItems, maxBatchItems: 20, flushDelaySeconds: 0.01 });
    const experiment = await collector.experiment("spill-facade");
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const total = 2000;
    for (let step = 0; step < total; step++) experiment.metric("loss", 1 / (step + 1), { step });
    experiment.annotation("outage logged");
    await vi.waitFor(() => expect(collector.stats().memory?.spilledOnDisk).toBeGreaterThan(total / 2));
    expect(experiment.stats().metrics).toMatchObject({ accepted: 0, dropped: 0 });

    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on("warning", onWarning);
    emulator.faults.clear();
    const status = await experiment.flushOrRaise({ retries: 20 }).finally(() => process.off("warning", onWarning));
    // Every spilled event read back at the first try (a read that failed is retried a second later).
    expect(warnings.filter((message) => message.includes("reading spilled events back"))).toEqual([]);
    expect(status).toMatchObject({ ok: true, droppedMetrics: 0, pendingMetrics: 0 });
    const memory = collector.stats().memory!;
    expect(memory.spilledMetrics).toBeGreaterThan(total / 2);
    expect(memory.peakEventsInMemory).toBeLessThanOrEqual(maxQueueItems);
    expect(memory).toMatchObject({ eventsInMemory: 0, spilledOnDisk: 0 });

    await collector.close();
    const stored = emulator.store.metrics("spill-facade");
    expect(stored).toHaveLength(total);
    expect(new Set(stored.map((e) => e.client_event_id)).size).toBe(total);
    expect(new Set(stored.map((e) => e.step))).toEqual(new Set(Array.from({ length: total }, (_, step) => step)));
    expect(emulator.store.annotations("spill-facade")).toHaveLength(1);
    // Everything was acknowledged: nothing waits on disk for a later run.
    expect(writerDirs(spoolDir)).toEqual([]);
    expect(collector.stats().memory).toMatchObject({ spilledMetrics: memory.spilledMetrics, eventsInMemory: 0 });
  });

  it("without a spool there is nothing to spill: memory figures are null", async () => {
    const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: false, flushDelaySeconds: 0.01 });
    const experiment = await collector.experiment("spill-off");
    experiment.metric("loss", 1, { step: 0 });
    expect(collector.stats()).toEqual({ spool: null, memory: null });
    await collector.close();
  });
});
