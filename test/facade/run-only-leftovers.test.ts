/**
 * A facade script that only calls `experiment.run()` and ends (docs/facade.md: run() marks
 * the run and flushes its queue within exitFlushTimeoutSeconds) delivers everything and ends `done`,
 * but leaves its whole spool segment unacknowledged (no `acks` file): the next Collector on the
 * directory, or `syvain-otel sync`, uploads every point and the `done` status again (deduplicated,
 * so nothing is stored twice, but a 1 GiB run is re-sent in full, its segment stays on disk and
 * counts against the next process's spoolMaxBytes until then, and `sync` reports it as delivered).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { spawnFixture } from "./child-runner.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "run-only-job.ts");
let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-run-only-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a run()-only script that delivered everything", () => {
  it("leaves nothing in the spool for the next process to send again", async () => {
    await withEmulator(async (emulator) => {
      const spoolDir = path.join(root, "spool");
      const result = await spawnFixture(fixture, ["run-only", "1000"], { host: emulator.url, apiKey: emulator.apiKey }, { env: { SYVAIN_SPOOL_DIR: spoolDir } }).result;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain("not delivered to Syvain"); // the exit hook's line is for what is left (exit-mid-run.test.ts)
      expect(emulator.store.metrics("run-only")).toHaveLength(1000);
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        const replay = await deliverLeftovers({ spoolDir, client });
        // Before the fix: { metrics: 1000, duplicates: 1000, statusUpdates: 1 } (outside review 7).
        expect({ metrics: replay.metrics, duplicates: replay.duplicates, statusUpdates: replay.statusUpdates }).toEqual({ metrics: 0, duplicates: 0, statusUpdates: 0 });
      } finally {
        await client.close();
      }
    });
  }, 60_000);
});
