/**
 * User code that calls `process.exit(0)` in the middle of a run leaves its events in the spool (the
 * exit hook writes them) and the run `running` until the next process or `syvain-otel sync` delivers
 * them. It used to do so silently (outside review 7); now the exit hook prints one line, written
 * synchronously (an `exit` listener cannot wait), naming how many events are kept, where, and what
 * delivers them. A job that delivered everything prints nothing (run-only-leftovers.test.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { spawnFixture } from "./child-runner.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "exit-mid-run.ts");
let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-exit-mid-run-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("process.exit(0) in the middle of a run", () => {
  it("says on stderr how many events the spool keeps, where, and what delivers them; they are then delivered", async () => {
    await withEmulator(async (emulator) => {
      const spoolDir = path.join(root, "spool");
      const result = await spawnFixture(fixture, ["exit-mid-run", "500"], { host: emulator.url, apiKey: emulator.apiKey }, { env: { SYVAIN_SPOOL_DIR: spoolDir } }).result;
      expect(result.code, result.stderr).toBe(0);
      const dir = hostSpoolDir(spoolDir, emulator.url);
      const line = /SyvainSpoolWarning: exiting with (\d+) event\(s\) not delivered to Syvain: they are kept in the spool at (\S+), and a run not finished stays `running`, until the next process on that spool directory, or `SYVAIN_METRICS_HOST=(\S+) syvain-otel sync (\S+)`, delivers them\n/.exec(result.stderr);
      expect(line, result.stderr).not.toBeNull();
      expect(Number(line![1])).toBeGreaterThanOrEqual(500);
      // The command names the host: sync sends a host's part of a spool directory to that host only.
      expect([line![2], line![3], line![4]]).toEqual([dir, emulator.url, dir]);
      expect(result.stderr.split("\n").filter((l) => l.includes("SyvainSpoolWarning"))).toHaveLength(1);
      expect(emulator.store.metrics("exit-mid-run").length).toBeLessThan(500);

      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        await deliverLeftovers({ spoolDir: line![4]!, client }); // what the printed command does
      } finally {
        await client.close();
      }
      expect(emulator.store.metrics("exit-mid-run")).toHaveLength(500);
    });
  }, 60_000);
});
