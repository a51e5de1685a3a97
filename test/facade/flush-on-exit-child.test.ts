/**
 * `flushOnExit` in real child processes: a script that queues points without `run()` / `start()`
 * and simply ends, against an emulator on a loopback port started by the test.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { spawnFixture, type ChildResult } from "./child-runner.ts";

const fixture = fileURLToPath(new URL("./fixtures/quiet-end.ts", import.meta.url));
const POINTS = 500;

interface Listeners {
  baseline: number;
  queued: number;
  end: number;
  exit: number;
}

function listeners(result: ChildResult): Listeners {
  const counts = JSON.parse(/^listeners (.*)$/m.exec(result.stdout)![1]!) as Omit<Listeners, "exit">;
  return { ...counts, exit: Number(/^exit-listeners (\d+)$/m.exec(result.stdout)![1]) };
}

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe("flushOnExit in a child process", () => {
  it("metric() without run() and a quiet end: every point stored, exit 0, status still created, no listener left", async () => {
    const result = await spawnFixture(fixture, ["quiet", "quiet-end"], { host: emulator.url, apiKey: emulator.apiKey }).result;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const steps = emulator.store.metrics("quiet-end", { name: "loss" }).map((m) => m.step);
    expect(steps).toEqual(Array.from({ length: POINTS }, (_, i) => i));
    expect(emulator.store.experiment("quiet-end")?.status).toBe("created");
    const counts = listeners(result);
    expect(counts.queued).toBe(counts.baseline + 1);
    expect(counts.exit).toBe(counts.baseline);
  });

  it("flushOnExit: false is the opt-out: the same script stores nothing and exits 0", async () => {
    const result = await spawnFixture(fixture, ["opt-out", "quiet-opt-out"], { host: emulator.url, apiKey: emulator.apiKey }).result;
    expect(result.code).toBe(0);
    expect(emulator.store.experiment("quiet-opt-out")?.status).toBe("created");
    expect(emulator.store.metrics("quiet-opt-out")).toEqual([]);
    const counts = listeners(result);
    expect(counts.queued).toBe(counts.baseline);
  });

  it("with the server unreachable the process still exits 0, and says delivery is incomplete", async () => {
    const own = await startEmulator();
    const child = spawnFixture(fixture, ["wait-stdin", "quiet-unreachable"], { host: own.url, apiKey: own.apiKey });
    await child.printed("created");
    await own.close();
    child.write("go\n");
    const result = await child.result;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("SyvainDeliveryWarning");
    expect(result.stderr).toMatch(new RegExp(`${POINTS} pending metrics.*flushOnExit`));
    expect(listeners(result).exit).toBe(listeners(result).baseline);
  });

  it("after flushOrRaise() and collector.close() nothing more is sent and no listener remains", async () => {
    const own = await startEmulator();
    try {
      const child = spawnFixture(fixture, ["closed", "quiet-closed"], { host: own.url, apiKey: own.apiKey });
      await child.printed("closed");
      const requestsAtClose = own.counters.requests;
      child.write("go\n");
      const result = await child.result;
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
      expect(own.counters.requests).toEqual(requestsAtClose);
      expect(own.store.metrics("quiet-closed")).toHaveLength(POINTS);
      const counts = listeners(result);
      expect(counts.queued).toBe(counts.baseline + 1);
      expect(counts.end).toBe(counts.baseline);
      expect(counts.exit).toBe(counts.baseline);
    } finally {
      await own.close();
    }
  });
});
