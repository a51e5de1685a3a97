/**
 * process.exit() in the same synchronous turn as metric(), with a status update in
 * between (metric x N, done(), metric x M, annotation, exit). See fixtures/exit-after-status-job.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { spawnFixture } from "../facade/child-runner.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "exit-after-status-job.ts");
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-exit-after-status-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("process.exit() in the turn of metric(), done(), metric()", () => {
  it("every point and the annotation are in the spool", async () => {
    await withEmulator(async (emulator) => {
      const spoolDir = path.join(root, "spool");
      const child = spawnFixture(fixture, ["after-status", "100", "50"], { host: emulator.url, apiKey: emulator.apiKey }, { env: { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_MODE: "offline" } });
      const result = await child.result;
      expect(result.code, result.stderr).toBe(0);
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        await deliverLeftovers({ spoolDir, client });
      } finally {
        await client.close();
      }
      const steps = emulator.store.metrics("after-status").map((m) => m.step);
      expect(steps.length).toBe(150); // fails: 100 (the 50 points after done() never reach the spool)
      expect(emulator.store.annotations("after-status").map((a) => a.text)).toEqual(["last words"]);
      expect(emulator.store.experiment("after-status")?.status).toBe("done");
    });
  }, 60_000);
});
