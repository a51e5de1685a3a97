/**
 * The memory budget holds for a real bridge process under hostile load, measured by the kernel
 * (`VmHWM` from `/proc/<pid>/status`). The scenarios scaled by a third to fit CI: a
 * 128 MiB budget instead of the default 384 MiB, 20 concurrent gzip requests of 20 MiB
 * decompressed (1:300 on the wire) instead of 60 MiB, 100 stalled uploads of 6 MiB instead of
 * 19 MiB. Full size: `bench/bridge-memory.bench.ts`. The bound, growth over the idle process
 * ≤ 1.75 × the budget, is what keeps a default bridge under 768 MiB (idle ~115 MiB + 1.75 × 384).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gaugeSteps, JSON_TYPE, post } from "./helpers/http.ts";
import { gzipPointsBody, postAtOnce, stallUploads, startBridgeProcess, type BridgeProcess } from "./helpers/memory-load.ts";

const MIB = 1024 * 1024;
const BUDGET = 128 * MIB;
const BOUND = 1.75 * BUDGET;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bridge-memory-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withBridge(run: (bridge: BridgeProcess) => Promise<void>): Promise<void> {
  const bridge = await startBridgeProcess(join(dir, "out.jsonl"), ["--max-memory-bytes", String(BUDGET)]);
  try {
    await run(bridge);
    // Still alive and still serving.
    expect(bridge.alive()).toBe(true);
    expect((await post(`${bridge.url}/v1/metrics`, gaugeSteps("after-load", 0, 10), JSON_TYPE)).status).toBe(200);
  } finally {
    await bridge.stop();
  }
}

describe.skipIf(process.platform !== "linux")("bridge peak RSS under load (from /proc)", () => {
  it("20 concurrent gzip requests of 20 MiB decompressed stay within the budget", async () => {
    await withBridge(async (bridge) => {
      const idle = bridge.rss();
      const statuses = await postAtOnce(bridge.url, gzipPointsBody(20 * MIB), 20);
      // Each is refused (413: never decodable in 128 MiB; 503: no room now), none dropped or crashed.
      expect(statuses.every((s) => s === 413 || s === 503)).toBe(true);
      expect(bridge.peakRss() - idle).toBeLessThanOrEqual(BOUND);
    });
  });

  it("100 uploads announcing 6 MiB that stall after 5.5 MiB stay within the budget", async () => {
    await withBridge(async (bridge) => {
      const idle = bridge.rss();
      const { sockets, refused } = await stallUploads(bridge.url, 100, 6 * MIB, 5.5 * MIB);
      try {
        // What the budget could not hold was refused at once; the rest sits reserved.
        expect(refused()).toBeGreaterThanOrEqual(100 - Math.floor(BUDGET / (6 * MIB)));
        expect(bridge.peakRss() - idle).toBeLessThanOrEqual(BOUND);
      } finally {
        for (const socket of sockets) socket.destroy();
      }
    });
  });
});
