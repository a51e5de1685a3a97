/**
 * What the bridge's spool costs (issue 12): OTLP protobuf → in-process `createBridge()` → the
 * emulator in its own process, with `spoolDir` (fdatasync before every 200, group commit) and
 * without, in interleaved pairs (off, on, off, on, ...) so that machine load hits both alike; the
 * row gives each side's median and the ratio of the medians (goal: on ≥ 80 % of off). Points/s run
 * from the first POST until `close()` has drained everything (checked against the emulator).
 * The process's CPU per point (bridge, file threads, senders; the emulator is another process)
 * beside the wall time per point tells computing from waiting (the fdatasync before each 200);
 * the main thread's CPU per point (`process.threadCpuUsage()`: decoding, mapping, the spool's
 * encoding and checksums, requests) is the part the spool adds to the one core the bridge runs on,
 * and it moves less with other jobs on the machine than wall time does.
 * Then the answer latency of 1,000-point requests with the spool on (p50 / p99), four senders.
 * Bodies: 10 gauges × 1,000 steps (throughput) or × 100 steps (latency), built before the clock.
 * Environment: BENCH_SPOOL_PAIRS (3), BENCH_SPOOL_SENDERS (2), BENCH_SPOOL_LATENCY_REQUESTS (400).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Pool } from "undici";
import { createBridge } from "../src/bridge/create-bridge.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";
import { buildBodies, post } from "./bridge-e2e.bench.ts";
import { getJson, startChildServer, type ChildServer } from "./child-server.ts";

const PAIRS = Number(process.env.BENCH_SPOOL_PAIRS ?? 3);
const THROUGHPUT_BODIES = 20;
const LATENCY_REQUESTS = Number(process.env.BENCH_SPOOL_LATENCY_REQUESTS ?? 400);
const SENDERS = Number(process.env.BENCH_SPOOL_SENDERS ?? 2);
const LATENCY_SENDERS = 4;

async function withBridge<T>(emulator: ChildServer, spool: boolean, use: (url: string) => Promise<T>): Promise<T> {
  const dir = spool ? await mkdtemp(join(tmpdir(), "bench-bridge-spool-")) : undefined;
  // Queues that hold a whole run: the row measures the bridge, not the senders' Retry-After sleeps.
  const bridge = createBridge({
    port: 0,
    retryAfterSeconds: 1,
    shutdownTimeoutSeconds: 300,
    ...(dir === undefined ? {} : { spoolDir: dir }),
    syvain: { host: emulator.url, apiKey: emulator.apiKey, maxQueueItems: 1_000_000 },
    log: () => {},
  });
  const { url } = await bridge.start();
  try {
    return await use(url);
  } finally {
    await bridge.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

async function stored(emulator: ChildServer, slug: string): Promise<number | undefined> {
  const stats = await getJson<{ experiments: { slug: string; metrics: number }[] }>(`${emulator.url}/_emulator/stats`, emulator.apiKey);
  return stats.experiments.find((e) => e.slug === slug)?.metrics;
}

interface ThroughputRun {
  pointsPerSecond: number;
  /** This process's CPU (the bridge, its file threads and the senders) per point: the rest of the wall time is waiting. */
  cpuNsPerPoint: number;
  /** The main thread's CPU per point (file and GC helper threads excluded). */
  mainCpuNsPerPoint: number;
}

/** Points/s from the first POST until the bridge has closed (everything delivered), and the CPU it took. */
async function throughput(emulator: ChildServer, spool: boolean): Promise<ThroughputRun> {
  const slug = `bench-spool-${spool ? "on" : "off"}-${randomBytes(4).toString("hex")}`;
  const bodies = await buildBodies(slug, "protobuf", THROUGHPUT_BODIES);
  const points = THROUGHPUT_BODIES * 10 * 1000;
  let start = 0n;
  let cpu = process.cpuUsage();
  let mainCpu = process.threadCpuUsage();
  await withBridge(emulator, spool, async (url) => {
    const pool = new Pool(url, { connections: SENDERS });
    let next = 0;
    start = process.hrtime.bigint();
    cpu = process.cpuUsage();
    mainCpu = process.threadCpuUsage();
    await Promise.all(Array.from({ length: SENDERS }, async () => {
      while (next < bodies.length) await post(pool, bodies[next++]!, "protobuf");
    }));
    await pool.close();
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const usedMain = process.threadCpuUsage(mainCpu);
  const count = await stored(emulator, slug);
  if (count !== points) throw new Error(`bridge spool ${spool ? "on" : "off"}: the emulator stored ${count} of ${points} points`);
  return { pointsPerSecond: points / seconds, cpuNsPerPoint: ((used.user + used.system) * 1000) / points, mainCpuNsPerPoint: ((usedMain.user + usedMain.system) * 1000) / points };
}

/** Answer latencies (ms) of 1,000-point protobuf requests, LATENCY_SENDERS at a time. */
async function latencies(emulator: ChildServer, spool: boolean): Promise<number[]> {
  const bodies = await buildBodies(`bench-spool-latency-${randomBytes(4).toString("hex")}`, "protobuf", LATENCY_REQUESTS, 100);
  return withBridge(emulator, spool, async (url) => {
    const pool = new Pool(url, { connections: LATENCY_SENDERS });
    const times: number[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: LATENCY_SENDERS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const start = performance.now();
        await post(pool, body, "protobuf");
        times.push(performance.now() - start);
      }
    }));
    await pool.close();
    return times.slice(LATENCY_SENDERS * 5); // the first requests create the experiment and warm up
  });
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const bridgeSpoolBench: BenchModule = {
  name: "bridge spool",
  async run(): Promise<BenchResult[]> {
    const emulator = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
    try {
      await throughput(emulator, false); // warm-up: JIT, the emulator's first experiment
      const offRuns: ThroughputRun[] = [];
      const onRuns: ThroughputRun[] = [];
      for (let pair = 0; pair < PAIRS; pair++) {
        offRuns.push(await throughput(emulator, false));
        onRuns.push(await throughput(emulator, true));
      }
      const [off, on] = [offRuns, onRuns].map((runs) => runs.map((r) => r.pointsPerSecond)) as [number[], number[]];
      const [offCpu, onCpu] = [offRuns, onRuns].map((runs) => median(runs.map((r) => r.cpuNsPerPoint)));
      const [offMain, onMain] = [offRuns, onRuns].map((runs) => median(runs.map((r) => r.mainCpuNsPerPoint)));
      const ratio = median(on) / median(off);
      const withSpool = await latencies(emulator, true);
      const without = await latencies(emulator, false);
      const pts = `${(THROUGHPUT_BODIES * 10_000) / 1000}k pts, ${PAIRS} interleaved pairs`;
      return [
        { name: `OTLP protobuf → bridge → emulator, spool off (${pts})`, metric: "throughput, median", value: Math.round(median(off)), unit: "points/s" },
        { name: `OTLP protobuf → bridge → emulator, spool on (${pts})`, metric: "throughput, median", value: Math.round(median(on)), unit: "points/s" },
        { name: "bridge spool on / off", metric: "throughput ratio of the medians", value: Math.round(ratio * 100), unit: "%", target: { op: ">=", value: 80 } },
        { name: "OTLP protobuf → bridge → emulator, spool off", metric: "process CPU per point, median", value: Math.round(offCpu!), unit: "ns" },
        { name: "OTLP protobuf → bridge → emulator, spool on", metric: "process CPU per point, median", value: Math.round(onCpu!), unit: "ns" },
        { name: "OTLP protobuf → bridge → emulator, spool off", metric: "main-thread CPU per point, median", value: Math.round(offMain!), unit: "ns" },
        { name: "OTLP protobuf → bridge → emulator, spool on", metric: "main-thread CPU per point, median", value: Math.round(onMain!), unit: "ns" },
        { name: "OTLP protobuf → bridge → emulator, spool on", metric: "wall time per point, median", value: Math.round(1e9 / median(on)), unit: "ns" },
        { name: `1,000-point request, spool on (${withSpool.length} requests, ${LATENCY_SENDERS} senders)`, metric: "answer latency p50", value: Number(percentile(withSpool, 50).toFixed(1)), unit: "ms" },
        { name: `1,000-point request, spool on (${withSpool.length} requests, ${LATENCY_SENDERS} senders)`, metric: "answer latency p99", value: Number(percentile(withSpool, 99).toFixed(1)), unit: "ms" },
        { name: `1,000-point request, spool off (${without.length} requests, ${LATENCY_SENDERS} senders)`, metric: "answer latency p99", value: Number(percentile(without, 99).toFixed(1)), unit: "ms" },
      ];
    } finally {
      await emulator.stop();
    }
  },
};
