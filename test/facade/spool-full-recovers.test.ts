/**
 * A Collector's spool that filled during an outage takes events again once Syvain is back and
 * everything is acknowledged, also when `spoolMaxBytes` is below the engine's 16 MiB segments (the
 * option accepts 1 MiB and up). Before, the spool's one segment was never sealed, so never deleted,
 * and its bytes kept counting against `spoolMaxBytes`: every later event was memory only (lost by a
 * kill -9) for the rest of the process, with no warning. Segments are now at most an eighth of
 * `maxBytes`, and the first refusal for room is said once. (Found by review 12.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";

let emulator: Emulator;
let root: string;

beforeAll(async () => {
  emulator = await startEmulator({ ui: false });
  root = mkdtempSync(path.join(tmpdir(), "syvain-spool-full-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(root, { recursive: true, force: true });
});

it("a spool that filled during an outage takes events again once Syvain is back and all is acknowledged", async () => {
  const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: path.join(root, "spool"), spoolMaxBytes: 2 * 1024 * 1024, maxQueueItems: 1_000_000, flushDelaySeconds: 0.01 });
  const experiment = await collector.experiment("full-then-back");
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning.message);
  process.on("warning", onWarning);
  emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
  let step = 0;
  // ~200 bytes a record: 2 MiB is ~10,000 events. Log until the spool's disk is at its bound.
  const maxBytes = 2 * 1024 * 1024;
  while (collector.stats().spool!.bytesOnDisk < maxBytes * 0.95 && step < 200_000) {
    for (let i = 0; i < 200; i++, step++) experiment.metric("loss", 1 / (step + 1), { step, metadata: { split: "train" } });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (let i = 0; i < 200; i++, step++) experiment.metric("loss", 1 / (step + 1), { step, metadata: { split: "train" } });
  expect(collector.stats().spool!.bytesOnDisk).toBeGreaterThan(maxBytes * 0.95);
  expect(collector.stats().spool!.notSpooled).toBeGreaterThan(0);

  emulator.faults.clear();
  await experiment.flushOrRaise({ retries: 20 });
  expect(collector.stats().spool!.eventsOnDisk).toBeLessThanOrEqual(1); // everything acknowledged (the run's status aside)
  // Give the spool's flusher time to write the acks and free what it can.
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const refusedBefore = collector.stats().spool!.notSpooled;
  // 2,000 events, at a pace Syvain (back now) takes them: each is acknowledged soon after it is written.
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 100; i++, step++) experiment.metric("loss", 1 / (step + 1), { step, metadata: { split: "train" } });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await vi.waitFor(() => expect(experiment.stats().metrics.pending).toBe(0), { timeout: 10_000 });
  // Before: eventsOnDisk 0 but bytesOnDisk stuck at ~2,075,000 (the one segment never sealed, so
  // never deleted); ~380 of these 2,000 refused, and a second outage would have spooled nothing.
  expect(collector.stats().spool!.notSpooled - refusedBefore, JSON.stringify(collector.stats().spool)).toBe(0);
  expect(collector.stats().spool!.bytesOnDisk).toBeLessThan(maxBytes / 2);
  await collector.close();
  process.off("warning", onWarning);
  expect(emulator.store.metrics("full-then-back")).toHaveLength(step);
  // The first refusal for room was said, once, with what it means and what to change.
  expect(warnings.filter((message) => message.includes("is full"))).toEqual([expect.stringMatching(/kept in memory only .*spoolMaxBytes/)]);
});
