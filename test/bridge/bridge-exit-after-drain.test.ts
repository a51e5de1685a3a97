/**
 * A memory-only bridge ends right after its drain: once `shutdown.done` is logged, nothing it still holds (here a new experiment's creation Syvain never answers) keeps it
 * alive. It used to wait for a 2 s exit timer on top of `--shutdown-timeout` (outside review 7: 3 s
 * → 4.9 s). The child's clock stops at `shutdown.done` (helpers/clock-stops-at-shutdown-done.ts), so
 * an exit that waits for a timer never comes; no duration is measured.
 */
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { spawnBridge } from "./helpers/bridge-process.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

const stopClock = fileURLToPath(new URL("./helpers/clock-stops-at-shutdown-done.ts", import.meta.url));
let emulator: Emulator;

beforeEach(async () => {
  emulator = await startEmulator();
});

afterEach(async () => {
  await emulator.close();
});

describe("syvain-otel bridge --spool-dir off, SIGTERM with a creation still held", () => {
  it("exits as soon as the drain is over, without waiting for a timer or the creation", async () => {
    const bridge = await spawnBridge(["--syvain-host", emulator.url, "--shutdown-timeout", "3", "--spool-dir", "off"], { SYVAIN_METRICS_API_KEY: EMULATOR_API_KEY }, { preload: stopClock });
    try {
      expect((await post(`${bridge.url}/v1/metrics`, gaugeSteps("delivered", 0, 10), JSON_TYPE)).status).toBe(200);
      // A request for a new experiment waits for its creation, which Syvain holds: SIGTERM meanwhile.
      emulator.faults.random("createExperiment", { rate: 1, mix: [{ delayMs: 120_000 }] });
      const answer = post(`${bridge.url}/v1/metrics`, gaugeSteps("held-creation", 0, 10), JSON_TYPE).then(
        (response) => response.status,
        () => "no answer",
      );
      await vi.waitFor(() => expect(emulator.counters.requests["createExperiment"]).toBe(2), { timeout: 10_000 });
      const code = await bridge.stop("SIGTERM");
      expect(await answer).not.toBe(200); // never accepted, so nothing is lost: exit 0
      expect(code).toBe(0);
      const shutdown = bridge.lines().filter((line) => String(line.event).startsWith("shutdown."));
      expect(shutdown.map((line) => line.event)).toEqual(["shutdown.start", "shutdown.done"]);
      expect(shutdown[1]).toMatchObject({ accepted: 10, pending: 0 });
      expect(emulator.store.experiment("held-creation")).toBeUndefined(); // the creation never completed
    } finally {
      bridge.child.kill("SIGKILL");
    }
  }, 30_000);
});
