/**
 * `maxRetries` gives a batch up in this process's background on a RETRYABLE failure (Syvain down
 * for a while). With a spool the batch stays pending and on disk: `flush()` / `close()` still try it,
 * and what they cannot deliver the next process on the spool (or `syvain-otel sync`) delivers, once.
 * Outside review 14 (F11): such batches were counted failed AND acknowledged in the spool, so a 4 s
 * outage lost 29,300 of 40,000 points, the run was marked `done`, and the close warning said they
 * were "kept on disk". Without a spool the give-up is a loss, and said so when it happens.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { Collector } from "../../src/facade/index.ts";

const POINTS = 120;
const unavailable = { status: 503, retryAfterSeconds: 0 };

let emulator: Emulator;
let root: string;
let warnings: string[] = [];
const onWarning = (w: Error): void => void (w.name === "SyvainDeliveryWarning" && warnings.push(w.message));

beforeAll(async () => {
  emulator = await startEmulator({ ui: false });
  root = mkdtempSync(path.join(tmpdir(), "syvain-max-retries-"));
  process.on("warning", onWarning);
});
afterEach(() => {
  emulator.faults.clear();
  warnings = [];
});
afterAll(async () => {
  process.off("warning", onWarning);
  await emulator.close();
  rmSync(root, { recursive: true, force: true });
});

/** Logs the points and `done()`, then waits until the background gave the batch up (its one warning). */
async function logUntilGivenUp(collector: Collector, slug: string): Promise<string> {
  const experiment = await collector.experiment(slug);
  for (let step = 0; step < POINTS; step++) experiment.metric("loss", step / 10, { step });
  experiment.done();
  await vi.waitFor(() => expect(warnings.some((w) => w.includes(slug) && w.includes("maxRetries"))).toBe(true), { timeout: 10_000 });
  return warnings.find((w) => w.includes(slug) && w.includes("maxRetries"))!;
}

const options = { flushDelaySeconds: 0.01, maxRetries: 1, exitFlushTimeoutSeconds: 0.5 };

describe("maxRetries with a spool: given up in the background, not forgotten", () => {
  it("Syvain still down at close(): the points stay on disk, and the next Collector delivers each once and ends the run", async () => {
    const spoolDir = path.join(root, "down-at-close");
    const slug = "max-retries-kept";
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [unavailable] });
    const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir, ...options });
    const gaveUp = await logUntilGivenUp(collector, slug);
    expect(gaveUp).toContain(`${POINTS} metrics`);
    expect(gaveUp).toContain(`kept on disk in ${spoolDir}${path.sep}`);
    const status = (await collector.close())[0]?.status;
    // Pending, not failed: they are on disk; and the run is not marked done while its points are missing.
    expect(status).toMatchObject({ ok: false, pendingMetrics: POINTS, failedMetrics: 0, pendingStatusUpdates: 1, failedStatusUpdates: 0 });
    expect(emulator.store.experiment(slug)?.status).not.toBe("done");
    const atClose = warnings.find((w) => w.includes("not delivered at close()"));
    expect(atClose).toContain(`${POINTS} metrics (${POINTS} pending)`);
    expect(atClose).toContain(`kept on disk in ${spoolDir}${path.sep}`);

    emulator.faults.clear();
    const duplicates = emulator.counters.duplicatesSuppressed;
    const next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
    await next.experiment(`${slug}-next`);
    await next.close();
    const steps = emulator.store.metrics(slug).map((m) => m.step);
    expect(steps).toHaveLength(POINTS);
    expect(new Set(steps).size).toBe(POINTS);
    expect(emulator.counters.duplicatesSuppressed).toBe(duplicates); // none sent twice
    expect(emulator.store.experiment(slug)?.status).toBe("done");
  });

  it("Syvain back while the run goes on: the next batch that gets through wakes the given-up one, delivered without close()", async () => {
    // Review 15: a given-up batch was never tried again by the background, so it held the memory
    // window and, after a 4 s outage, nothing more was delivered until close().
    const spoolDir = path.join(root, "back-while-running");
    const slug = "max-retries-woken";
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [unavailable] });
    const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir, ...options });
    const experiment = await collector.experiment(slug);
    for (let step = 0; step < POINTS; step++) experiment.metric("loss", step / 10, { step });
    await vi.waitFor(() => expect(warnings.some((w) => w.includes(slug) && w.includes("maxRetries"))).toBe(true), { timeout: 10_000 });
    emulator.faults.clear();
    experiment.metric("loss", 0, { step: POINTS }); // a new batch: Syvain answers it
    await vi.waitFor(() => expect(emulator.store.metrics(slug)).toHaveLength(POINTS + 1), { timeout: 10_000 });
    await collector.close();
    expect(new Set(emulator.store.metrics(slug).map((m) => m.step)).size).toBe(POINTS + 1);
  });

  it("Syvain back before close(): close() delivers what the background gave up, in this process", async () => {
    const spoolDir = path.join(root, "back-at-close");
    const slug = "max-retries-back";
    // The first attempt and its one retry fail: then Syvain answers again.
    emulator.faults.script("ingestMetrics", [unavailable, unavailable]);
    const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir, ...options });
    await logUntilGivenUp(collector, slug);
    const status = (await collector.close())[0]?.status;
    expect(status).toMatchObject({ ok: true, failedMetrics: 0 });
    expect(emulator.store.metrics(slug)).toHaveLength(POINTS);
    expect(emulator.store.experiment(slug)?.status).toBe("done");
    expect(warnings.filter((w) => w.includes("not delivered"))).toEqual([]);
  });
});

describe("maxRetries without a spool", () => {
  it("a batch given up is said lost once, when it is given up, naming the experiment, the count, the error and maxRetries", async () => {
    const slug = "max-retries-lost";
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [unavailable] });
    const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: false, ...options });
    const gaveUp = await logUntilGivenUp(collector, slug);
    expect(gaveUp).toContain(`experiment "${slug}"`);
    expect(gaveUp).toContain(`${POINTS} metrics lost`);
    expect(gaveUp).toContain("maxRetries (1)");
    expect(gaveUp).toMatch(/last error: .*503/);
    expect(gaveUp).not.toContain("kept on disk");
    const status = (await collector.close())[0]?.status;
    expect(status).toMatchObject({ failedMetrics: POINTS, pendingMetrics: 0 });
    expect(warnings.filter((w) => w.includes("maxRetries"))).toHaveLength(1);
    expect(warnings.find((w) => w.includes("not delivered at close()"))).not.toContain("kept on disk");
  });
});
