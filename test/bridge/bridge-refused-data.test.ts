/**
 * Events Syvain refuses after the bridge answered 200 for them: a refusal of the data itself
 * (422 invalid, 413 for one event) is acknowledged and logged once per batch at error level
 * (`spool.refused_data`, counts and the server's reason, never the key), so no later bridge resends
 * it forever; an auth refusal (403) still stays on disk and a restarted bridge delivers it.
 * Real `syvain-otel bridge` children (a restart must adopt a dead process's directory).
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { spawnBridge, type BridgeChild } from "./helpers/bridge-process.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

let root: string;
let emulator: Emulator;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bridge-refused-"));
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
  await rm(root, { recursive: true, force: true });
});

const env = { SYVAIN_METRICS_API_KEY: EMULATOR_API_KEY };
const startBridge = (spoolDir: string): Promise<BridgeChild> =>
  spawnBridge(["--syvain-host", emulator.url, "--spool-dir", spoolDir, "--retry-after", "1", "--shutdown-timeout", "1"], env);
const refusals = (bridge: BridgeChild): Record<string, unknown>[] => bridge.lines().filter((line) => line.event === "spool.refused_data");
const refusedCount = (bridge: BridgeChild): number => refusals(bridge).reduce((n, line) => n + Number(line.count), 0);
/** Writer directories left in the spool (a clean stop removes its own once everything is acknowledged). */
const writerDirs = async (spoolDir: string): Promise<string[]> => (await readdir(hostSpoolDir(spoolDir, emulator.url))).filter((name) => name.startsWith("w-"));

describe("a spooling bridge and events Syvain refuses after the 200", () => {
  it("422: acknowledged and logged once per batch with the reason; 403: kept, and a restart delivers only those", async () => {
    const spoolDir = await mkdtemp(join(root, "invalid-"));
    const first = await startBridge(spoolDir);
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 422 }] });
    expect((await post(`${first.url}/v1/metrics`, gaugeSteps("invalid", 0, 20), JSON_TYPE)).status).toBe(200);
    await vi.waitFor(() => expect(refusedCount(first)).toBe(20), { timeout: 20_000, interval: 50 });
    expect(refusals(first)).toEqual([
      expect.objectContaining({ level: "error", slug: "invalid", kind: "metric", count: 20, status: 422, reason: expect.stringContaining("Injected fault: HTTP 422") as unknown }),
    ]);
    emulator.faults.clear();
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 403 }] });
    expect((await post(`${first.url}/v1/metrics`, gaugeSteps("revoked", 0, 20), JSON_TYPE)).status).toBe(200);
    expect(await first.stop("SIGTERM")).toBe(0);
    // The 422s failed for good; the 403s were retried until the stop (a key is waited out, key-watch.ts).
    expect(first.lines().find((line) => line.event === "shutdown.done")).toMatchObject({ failed: 20, pending: 20 });
    expect(refusedCount(first)).toBe(20); // the 403 is not a data refusal
    expect(first.stderr()).not.toContain(EMULATOR_API_KEY);
    emulator.faults.clear();

    const second = await startBridge(spoolDir);
    try {
      await vi.waitFor(() => expect(emulator.store.metrics("revoked")).toHaveLength(20), { timeout: 30_000 });
      await vi.waitFor(() => expect(second.lines().find((line) => line.event === "spool.resumed")).toMatchObject({ metrics: 20 }), { timeout: 10_000 });
    } finally {
      expect(await second.stop("SIGTERM")).toBe(0);
    }
    expect(emulator.store.metrics("invalid")).toHaveLength(0);
    expect(await writerDirs(spoolDir)).toEqual([]);
  }, 60_000);

  it("413 for single events: each one acknowledged and logged, nothing left on disk", async () => {
    const spoolDir = await mkdtemp(join(root, "too-large-"));
    const bridge = await startBridge(spoolDir);
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 413 }] });
    try {
      expect((await post(`${bridge.url}/v1/metrics`, gaugeSteps("too-large", 0, 4), JSON_TYPE)).status).toBe(200);
      // The outbox splits the batch down to single events; each single one refused is data refused.
      await vi.waitFor(() => expect(refusedCount(bridge)).toBe(4), { timeout: 20_000, interval: 50 });
      expect(refusals(bridge).map((line) => [line.count, line.status])).toEqual([[1, 413], [1, 413], [1, 413], [1, 413]]);
    } finally {
      emulator.faults.clear();
      expect(await bridge.stop("SIGTERM")).toBe(0);
    }
    expect(await writerDirs(spoolDir)).toEqual([]);
  }, 60_000);
});
