/**
 * A script that simply ends while its experiment's creation waits for a Syvain that never answers
 * (deferred after 2 s): the exit flush gives up at its deadline and warns, and then the process
 * must end too. It lived on until the creation's every attempt had timed out (4 x `timeout`; ~40 s
 * by default: outside review 10), its request keeping the event loop alive. Asserted by ordering,
 * not durations: the child exits while the gate in front of the emulator is still closed (it opens
 * after 15 s, longer than the creation's attempts take to run out only when cut short).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { spawnFixture } from "./child-runner.ts";
import { startGate } from "./gated-syvain.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "deferred-hang-end.ts");
let root: string;
beforeAll(() => void (root = mkdtempSync(path.join(tmpdir(), "syvain-deferred-hang-exit-"))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a script ending while its deferred creation hangs", () => {
  it("exits once its exit flush gave up, not after every creation attempt; its events stay in the spool", async () => {
    await withEmulator(async (emulator) => {
      const gate = await startGate(emulator.port);
      const spoolDir = path.join(root, "spool");
      let gateOpened = false;
      const opener = setTimeout(() => {
        gateOpened = true;
        gate.open();
      }, 15_000);
      try {
        const result = await spawnFixture(fixture, ["hang-exit"], { host: gate.url, apiKey: emulator.apiKey }, { env: { SYVAIN_SPOOL_DIR: spoolDir } }).result;
        expect(gateOpened, result.stderr).toBe(false); // ended while Syvain still answered nothing
        expect(result.stdout).toContain("logged");
        expect(result.stderr).toContain("hang-exit");
        expect(result.stderr).toContain(hostSpoolDir(spoolDir, gate.url)); // the warning says where the events wait
      } finally {
        clearTimeout(opener);
        await gate.close();
      }
    });
  }, 60_000);
});
