/**
 * A `running` status record left on disk by a dead process does not always mean the run crashed:
 * its final status may have reached Syvain without reaching the spool, or another process ended
 * the run. The replay reads the experiment's status first and never overwrites a final one, nor
 * adds the "ended without finishing" note. (A real kill -9 of a real Collector with a spool.)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import type { ExperimentStatus } from "../../src/api/contract.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { segmentFiles, writerDirs } from "../delivery/spool/spool-helpers.ts";
import { spawnFixture } from "./child-runner.ts";

const worker = path.join(import.meta.dirname, "fixtures", "spool-worker.ts");
let emulator: Emulator;
let root: string;

beforeAll(async () => {
  emulator = await startEmulator();
  root = mkdtempSync(path.join(tmpdir(), "syvain-spool-ended-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(root, { recursive: true, force: true });
});

/** A worker logs 200 points, Syvain stores them, then the worker is killed with its `running` record unacknowledged. */
async function killedWhileRunning(slug: string, spoolDir: string): Promise<void> {
  const child = spawnFixture(worker, [slug, "online", "200"], { host: emulator.url, apiKey: emulator.apiKey }, { env: { SYVAIN_SPOOL_DIR: spoolDir } });
  await child.printed("open");
  child.write("go\n");
  await child.printed("logged");
  await vi.waitFor(() => expect(emulator.store.metrics(slug)).toHaveLength(200), { timeout: 10_000 });
  // Delivery outruns the spool's flusher (delivered points are never written): wait until the
  // `running` status record, which a later process reads, is in its files.
  await vi.waitFor(
    () => {
      const dir = path.join(spoolDir, writerDirs(spoolDir)[0] ?? "none");
      const bytes = Buffer.concat(segmentFiles(dir).map((f) => readFileSync(path.join(dir, f))));
      expect(bytes.includes('"s":"running"')).toBe(true);
    },
    { timeout: 10_000 },
  );
  child.kill("SIGKILL");
  expect((await child.result).signal).toBe("SIGKILL");
}

describe("replaying a run whose process died while it was running", () => {
  it.each<[ExperimentStatus, string]>([
    ["done", "finished"],
    ["failed", "already failed"],
  ])("keeps a final status already on Syvain (%s: %s) and adds no crash note", async (status) => {
    const slug = `spool-ended-${status}`;
    const spoolDir = path.join(root, status);
    await killedWhileRunning(slug, spoolDir);
    const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
    try {
      const id = emulator.store.experiment(slug)!.id;
      await client.updateExperimentStatus(id, status);
      const result = await deliverLeftovers({ spoolDir, client });
      expect(result).toMatchObject({ adoptedDirs: 1, crashedRuns: 0, statusUpdates: 0, stoppedBy: undefined, remaining: 0 });
      expect(emulator.store.experiment(slug)?.status).toBe(status);
      expect(emulator.store.annotations(slug)).toEqual([]);
      // Settled for good: a second replay finds nothing.
      expect(await deliverLeftovers({ spoolDir, client })).toMatchObject({ adoptedDirs: 0, crashedRuns: 0 });
    } finally {
      await client.close();
    }
  });

  it("still marks a run Syvain has as running failed, with the note (the control)", async () => {
    const slug = "spool-ended-control";
    const spoolDir = path.join(root, "control");
    await killedWhileRunning(slug, spoolDir);
    const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
    try {
      const result = await deliverLeftovers({ spoolDir, client });
      expect(result).toMatchObject({ adoptedDirs: 1, crashedRuns: 1, statusUpdates: 1 });
      expect(emulator.store.experiment(slug)?.status).toBe("failed");
      expect(emulator.store.annotations(slug).map((a) => a.text)).toEqual([expect.stringMatching(/^The run ended without finishing/)]);
    } finally {
      await client.close();
    }
  });
});
