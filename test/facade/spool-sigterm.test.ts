/**
 * SIGTERM while a job keeps logging: the exit hook flushes (Syvain slow, so it takes a while) and
 * the job's `metric()` calls go on meanwhile. A signal death has no `exit` event, so the hooks write
 * the spool's last records synchronously before re-raising the signal: after the next replay every
 * point the job logged, up to its last printed line, is stored exactly once. (Without that, the
 * points of the flusher's last ~100 ms were neither spooled nor delivered.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { startLoggingJob } from "./logging-job.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "spool-job.ts");
const TRIALS = 3;
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-spool-sigterm-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("SIGTERM while the job keeps logging during the exit flush", () => {
  it(`every point logged before the process died is delivered by the next replay, exactly once (${TRIALS} trials)`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      await withEmulator(async (emulator) => {
        const spoolDir = path.join(root, String(trial));
        const slug = `sigterm-${trial}`;
        emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ delayMs: 300 }] });
        const job = startLoggingJob(fixture, [slug, "online"], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_API_KEY: emulator.apiKey, SYVAIN_METRICS_HOST: emulator.url });
        try {
          for (let waited = 0; job.lines.length < 20; waited += 20) {
            if (waited > 30_000) throw new Error(`the job never logged: ${job.stderr()}`);
            await delay(20);
          }
          const linesAtSignal = job.lines.length;
          job.child.kill("SIGTERM");
          expect(await job.closed).toBe("SIGTERM");
          // It went on logging while the exit hook flushed: those points are the ones at stake.
          expect(job.lines.length).toBeGreaterThan(linesAtSignal);
        } finally {
          job.child.kill("SIGKILL");
        }
        const logged = job.lines.at(-1)!.counts[0]!;
        emulator.faults.clear();
        const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
        try {
          await deliverLeftovers({ spoolDir, client });
        } finally {
          await client.close();
        }
        const steps = emulator.store.metrics(slug).map((m) => m.step);
        expect(new Set(steps).size).toBe(steps.length);
        const stored = new Set(steps);
        expect(Array.from({ length: logged }, (_, i) => i).filter((s) => !stored.has(s))).toEqual([]);
      });
    }
  }, 120_000);
});
