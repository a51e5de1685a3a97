/**
 * A spooling bridge whose disk fails (a real `syvain-otel bridge` child under `ulimit -f`: writes
 * past the limit fail with EFBIG): requests get 503, never a 200 it cannot keep, and `/readyz` says
 * not ready meanwhile, so a load balancer sends the data elsewhere. Asking `/readyz` retries the
 * disk when due: once a write works again (a fresh segment) the bridge is ready and answers 200.
 * The refused request's points are delivered anyway (from memory), and its resend stores nothing twice.
 * With no room at all (not even for its writer folder's LOCK) it refuses to start, naming first the
 * earlier bridge's folder it cannot take over, which a bridge with room then delivers.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { spawnBridge } from "./helpers/bridge-process.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

let root: string;
let emulator: Emulator;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bridge-disk-full-"));
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
  await rm(root, { recursive: true, force: true });
});

const readiness = async (url: string): Promise<{ status: number; body: { ready: boolean; reasons: string[] } }> => {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; reasons: string[] } };
};

describe("a spooling bridge on a failing disk (EFBIG)", () => {
  it("answers 503 and is not ready while the spool refuses, then ready and 200 again once a write works", async () => {
    const spoolDir = join(root, "spool");
    const bridge = await spawnBridge(["--syvain-host", emulator.url, "--spool-dir", spoolDir, "--retry-after", "1"], { SYVAIN_METRICS_API_KEY: EMULATOR_API_KEY }, { fileSizeLimitKiB: 128 });
    try {
      expect((await readiness(bridge.url)).status).toBe(200);
      // A segment grows past 128 KiB within a few requests of 500 points: that write fails.
      const statuses: number[] = [];
      let from = 0;
      for (; from < 5000; from += 500) {
        statuses.push((await post(`${bridge.url}/v1/metrics`, gaugeSteps("disk-full", from, from + 500), JSON_TYPE)).status);
        if (statuses.includes(503)) break;
      }
      expect(statuses.at(-1)).toBe(503);
      // The refused request's points were decoded and queued before the write failed: they are still
      // delivered, from memory (docs/bridge-operations.md, "Full or failing disk"). A 503 asks for a
      // resend, which the deterministic ids make harmless.
      const refused = Array.from({ length: 500 }, (_, i) => from + i);
      const storedSteps = (): number[] => emulator.store.metrics("disk-full").map((m) => m.step ?? -1);
      await vi.waitFor(() => expect(new Set(storedSteps())).toEqual(new Set(Array.from({ length: from + 500 }, (_, i) => i))), { timeout: 20_000 });
      const notReady = await readiness(bridge.url);
      expect(notReady.status).toBe(503);
      expect(notReady.body.reasons).toEqual([expect.stringMatching(/^the spool cannot write \(.*EFBIG.*\); requests get 503 until a write succeeds again$/)]);

      // Nobody posts (a load balancer took the bridge out); readiness checks alone retry the disk.
      await vi.waitFor(async () => expect((await readiness(bridge.url)).status).toBe(200), { timeout: 20_000, interval: 250 });
      expect((await post(`${bridge.url}/v1/metrics`, gaugeSteps("disk-full", 10_000, 10_010), JSON_TYPE)).status).toBe(200);
      // The sender resends the refused request (under this 128 KiB file limit its 500 points may fill
      // the fresh segment again: 200 or 503, it makes no difference here): nothing is stored twice.
      expect([200, 503]).toContain((await post(`${bridge.url}/v1/metrics`, gaugeSteps("disk-full", refused[0]!, refused.at(-1)! + 1), JSON_TYPE)).status);
      await vi.waitFor(() => expect(storedSteps()).toHaveLength(from + 500 + 10), { timeout: 20_000 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(storedSteps()).toHaveLength(new Set(storedSteps()).size);
      expect(storedSteps()).toHaveLength(from + 500 + 10);
    } finally {
      expect(await bridge.stop("SIGTERM")).toBe(0);
    }
  }, 60_000);

  it("with no room for its writer folder, it refuses to start and first logs the earlier bridge's leftovers it leaves undelivered; with room, the next bridge delivers them", async () => {
    const spoolDir = join(root, "no-room");
    const args = ["--syvain-host", emulator.url, "--spool-dir", spoolDir, "--retry-after", "1", "--shutdown-timeout", "1"];
    const env = { SYVAIN_METRICS_API_KEY: EMULATOR_API_KEY };
    // Syvain down: an earlier bridge takes 40 points, is stopped, and leaves them in the spool.
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const earlier = await spawnBridge(args, env);
    expect((await post(`${earlier.url}/v1/metrics`, gaugeSteps("no-room", 0, 40), JSON_TYPE)).status).toBe(200);
    expect(await earlier.stop("SIGTERM")).toBe(0);
    emulator.faults.clear();

    // No room left on the disk (`ulimit -f 0`: no write succeeds, not even a LOCK).
    const refused = await spawnBridge(args, env, { fileSizeLimitKiB: 0 }).then(
      () => "",
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/"event":"spool.error".*could not take over 1 writer folder\(s\) of processes no longer running \(w-.*\): spool create writer directory failed on .*: EFBIG; they stay there, their records not delivered/);
    expect(refused).toMatch(/cannot use the spool directory .*: EFBIG; fix it, or run memory only/);
    expect(emulator.store.experiment("no-room")).toBeUndefined();

    const roomy = await spawnBridge(args, env);
    try {
      await vi.waitFor(() => expect(new Set(emulator.store.metrics("no-room").map((m) => m.step)).size).toBe(40), { timeout: 20_000 });
    } finally {
      expect(await roomy.stop("SIGTERM")).toBe(0);
    }
  }, 60_000);
});
