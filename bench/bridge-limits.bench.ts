/**
 * The bridge's global bounds at the full size, against a real `syvain-otel bridge`
 * process with the default budget (384 MiB) writing to a JSONL file; peak RSS from the kernel
 * (`VmHWM`). Goals (issue 12): 20 concurrent gzip requests of 60 MiB decompressed → peak RSS
 * ≤ 768 MiB; 100 unfinished 19 MiB uploads → ≤ 768 MiB; 2,000 slowloris connections → good
 * requests still answered, p99 ≤ 100 ms. (test/bridge/bridge-memory.test.ts runs a scaled copy.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gaugeSteps } from "../test/bridge/helpers/http.ts";
import { gzipPointsBody, postAtOnce, stallUploads, startBridgeProcess, type BridgeProcess } from "../test/bridge/helpers/memory-load.ts";
import type { BenchModule, BenchResult } from "./bench-types.ts";

const MIB = 1024 * 1024;
const SLOWLORIS = 2_000;
const GOOD_REQUESTS = 200;

async function withBridge<T>(dir: string, run: (bridge: BridgeProcess) => Promise<T>): Promise<T> {
  const bridge = await startBridgeProcess(join(dir, "out.jsonl"), ["--max-connections", String(SLOWLORIS + 100)]);
  try {
    const result = await run(bridge);
    if (!bridge.alive()) throw new Error("the bridge died under load");
    return result;
  } finally {
    await bridge.stop();
  }
}

async function goodLatencies(url: string): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < GOOD_REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/v1/metrics`, { method: "POST", headers: { "content-type": "application/json" }, body: gaugeSteps("slowloris-good", i, i + 1) });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`a good request got ${response.status}`);
    latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}

export const bridgeLimitsBench: BenchModule = {
  name: "bridge limits",
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), "bridge-limits-bench-"));
    try {
      const gzipPeak = await withBridge(dir, async (bridge) => {
        await postAtOnce(bridge.url, gzipPointsBody(60 * MIB), 20);
        return bridge.peakRss();
      });
      const uploadPeak = await withBridge(dir, async (bridge) => {
        const { sockets } = await stallUploads(bridge.url, 100, 19 * MIB, 18 * MIB);
        const peak = bridge.peakRss();
        for (const socket of sockets) socket.destroy();
        return peak;
      });
      const latency = await withBridge(dir, async (bridge) => {
        const { port } = new URL(bridge.url);
        const slow: Socket[] = [];
        // All connected and their partial headers written before the good requests start.
        await Promise.all(
          Array.from({ length: SLOWLORIS }, () => {
            const socket = connect(Number(port), "127.0.0.1");
            socket.on("error", () => {});
            slow.push(socket);
            return new Promise((resolve) => socket.write("POST /v1/metrics HTTP/1.1\r\nhost: x\r\nx-slow: ", resolve));
          }),
        );
        const latencies = await goodLatencies(bridge.url);
        for (const socket of slow) socket.destroy();
        return { p50: latencies[latencies.length >> 1]!, p99: latencies[Math.ceil(latencies.length * 0.99) - 1]! };
      });
      return [
        { name: "bridge: 20 × 60 MiB gzip requests at once", metric: "peak RSS (VmHWM), default budget", value: Math.round(gzipPeak / MIB), unit: "MiB", target: { op: "<=", value: 768 } },
        { name: "bridge: 100 unfinished 19 MiB uploads", metric: "peak RSS (VmHWM), default budget", value: Math.round(uploadPeak / MIB), unit: "MiB", target: { op: "<=", value: 768 } },
        { name: `bridge: ${SLOWLORIS} slowloris connections`, metric: `median answer time of ${GOOD_REQUESTS} good requests`, value: Math.round(latency.p50 * 10) / 10, unit: "ms" },
        { name: `bridge: ${SLOWLORIS} slowloris connections`, metric: `p99 answer time of ${GOOD_REQUESTS} good requests`, value: Math.round(latency.p99 * 10) / 10, unit: "ms", target: { op: "<=", value: 100 } },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
