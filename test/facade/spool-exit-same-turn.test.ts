/**
 * `process.exit()` in the same synchronous turn as the `metric()` calls: the facade appends what
 * `metric()` queued to the spool at the end of the caller's synchronous code, and here there is no
 * "after". The `exit` hooks must write those points too. A real child process in offline mode
 * (nothing is sent), then the leftovers are delivered: every point and the annotation, once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { spawnFixture } from "./child-runner.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "exit-same-turn-job.ts");
const POINTS = 5000;
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-exit-same-turn-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("process.exit() right after metric(), in the same synchronous turn", () => {
  it("every point and annotation logged is in the spool and delivered once by the next replay", async () => {
    await withEmulator(async (emulator) => {
      const spoolDir = path.join(root, "spool");
      const child = spawnFixture(fixture, ["same-turn", String(POINTS)], { host: emulator.url, apiKey: emulator.apiKey }, { env: { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_MODE: "offline" } });
      const result = await child.result;
      expect(result.code, result.stderr).toBe(0);
      // Offline: nothing was sent, not even the creation.
      expect(() => emulator.store.metrics("same-turn")).toThrow(/no experiment/);

      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        await deliverLeftovers({ spoolDir, client });
      } finally {
        await client.close();
      }
      const steps = emulator.store.metrics("same-turn").map((m) => m.step);
      expect(steps.length).toBe(POINTS);
      expect(new Set(steps).size).toBe(POINTS);
      expect(emulator.store.annotations("same-turn").map((a) => a.text)).toEqual(["last words"]);
    });
  });
});
