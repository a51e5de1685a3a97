/**
 * A second SIGTERM while the bridge drains (an operator's `kill` twice, a supervisor's repeated
 * signal) stops the drain at once. Memory only (`--spool-dir off`): the accepted events that die
 * with the process are logged at error (`shutdown.lost`) before it ends by the signal; it used to
 * end with no line at all (outside review 7). With the spool:
 * everything accepted is on disk, so it exits 0 after `shutdown.interrupted` names what stays
 * spooled, and a later delivery of the spool stores it.
 */
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { spawnBridge } from "./helpers/bridge-process.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

let emulator: Emulator;
let tmp: string;

beforeEach(async () => {
  emulator = await startEmulator();
  tmp = mkdtempSync(path.join(tmpdir(), "syvain-second-signal-"));
});

afterEach(async () => {
  await emulator.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A bridge child gets 1 point delivered, then 50 while Syvain hangs, then SIGTERM twice. */
async function signalTwice(spoolDir: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: Record<string, unknown>[] }> {
  const bridge = await spawnBridge(["--syvain-host", emulator.url, "--shutdown-timeout", "10", "--spool-dir", spoolDir], { SYVAIN_METRICS_API_KEY: EMULATOR_API_KEY });
  try {
    const exited = once(bridge.child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    expect((await post(`${bridge.url}/v1/metrics`, gaugeSteps("twice", 0, 1), JSON_TYPE)).status).toBe(200);
    await vi.waitFor(() => expect(emulator.stats().experiments[0]?.metrics).toBe(1), { timeout: 10_000 });
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ delayMs: 60_000 }] });
    expect((await post(`${bridge.url}/v1/metrics`, gaugeSteps("twice", 1, 51), JSON_TYPE)).status).toBe(200);
    bridge.child.kill("SIGTERM");
    await vi.waitFor(() => expect(bridge.stderr()).toContain('"event":"shutdown.start"'), { timeout: 5_000 });
    bridge.child.kill("SIGTERM");
    const [code, signal] = await exited;
    return { code, signal, lines: bridge.lines() };
  } finally {
    bridge.child.kill("SIGKILL");
  }
}

describe("bridge: SIGTERM twice", () => {
  it("memory only: logs the accepted events it loses at error, then ends by the signal", async () => {
    const { code, signal, lines } = await signalTwice("off");
    expect(lines.find((line) => line.event === "shutdown.lost")).toMatchObject({ level: "error", lost: 50 });
    expect({ code, signal }).toEqual({ code: null, signal: "SIGTERM" });
  }, 40_000);

  it("with the spool: says what stays spooled and exits 0; the spool then delivers all of it", async () => {
    const spoolDir = path.join(tmp, "spool");
    const { code, signal, lines } = await signalTwice(spoolDir);
    expect(lines.find((line) => line.event === "shutdown.interrupted")).toMatchObject({ level: "warn", pending: 50 });
    expect(lines.find((line) => line.event === "shutdown.lost")).toBeUndefined();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    emulator.faults.clear();
    const client = createSyvainClient({ apiKey: EMULATOR_API_KEY, host: emulator.url });
    try {
      await deliverLeftovers({ spoolDir: hostSpoolDir(spoolDir, emulator.url), client });
    } finally {
      await client.close();
    }
    expect(emulator.store.metrics("twice")).toHaveLength(51);
  }, 40_000);
});
