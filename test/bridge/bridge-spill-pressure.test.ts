/**
 * The bridge's back-pressure and memory budget count only the events held in memory. With a spool,
 * what spilled to disk during an outage is not in memory: a long outage must not turn senders away
 * (503) while memory is free. A small spill window (200 events) stands in for the default 20,000,
 * so the test posts thousands of points rather than a hundred thousand.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import { spillLimits } from "../../src/delivery/spill-refill.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

const MIB = 1024 * 1024;
const savedWindow = spillLimits.window;
let emulator: Emulator;
let dir: string;
let bridge: Bridge | undefined;

beforeEach(async () => {
  spillLimits.window = 200;
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "bridge-spill-"));
});

afterEach(async () => {
  spillLimits.window = savedWindow;
  await bridge?.close();
  bridge = undefined;
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(maxQueueItems: number, maxMemoryBytes?: number): Promise<string> {
  bridge = createBridge({
    port: 0,
    spoolDir: dir,
    ...(maxMemoryBytes === undefined ? {} : { maxMemoryBytes }),
    syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url, flushDelaySeconds: 0.01, maxQueueItems },
    log: () => {},
  });
  return (await bridge.start()).url;
}

/** Posts `requests` requests of `size` points each; gives each answer's status. */
async function postMany(url: string, slug: string, requests: number, size: number): Promise<{ statuses: number[]; texts: string[] }> {
  const statuses: number[] = [];
  const texts: string[] = [];
  for (let r = 0; r < requests; r++) {
    const answer = await post(`${url}/v1/metrics`, gaugeSteps(slug, r * size, (r + 1) * size), JSON_TYPE);
    statuses.push(answer.status);
    if (answer.status !== 200) texts.push(answer.text);
  }
  return { statuses, texts };
}

describe("bridge back-pressure with spilled events", () => {
  it("queue slots: events spilled to disk do not count, so a long outage is not refused while memory holds only the window", async () => {
    const url = await start(1_000);
    const slug = "spilled-queue";
    expect((await post(`${url}/v1/metrics`, gaugeSteps(slug, 10_000, 10_010), JSON_TYPE)).status).toBe(200);
    await vi.waitFor(() => expect(emulator.store.metrics(slug)).toHaveLength(10));
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    // 3,000 points pending (3 x maxQueueItems), most of them on disk, at most ~200 in memory.
    const { statuses, texts } = await postMany(url, slug, 30, 100);
    expect(texts).toEqual([]);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    emulator.faults.clear();
    await vi.waitFor(() => expect(new Set(emulator.store.metrics(slug).map((m) => m.step)).size).toBe(3_010), { timeout: 30_000 });
  }, 60_000);

  it("memory budget: spilled events do not count against --max-memory-bytes", async () => {
    // 16 MiB is 65,536 queued events at the budget's 256 bytes each: 80,000 pending would not fit if counted.
    const url = await start(1_000_000, 16 * MIB);
    const slug = "spilled-budget";
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const { statuses, texts } = await postMany(url, slug, 40, 2_000);
    expect(texts).toEqual([]);
    expect(statuses.every((s) => s === 200)).toBe(true);
    emulator.faults.clear();
    await vi.waitFor(() => expect(new Set(emulator.store.metrics(slug).map((m) => m.step)).size).toBe(80_000), { timeout: 60_000 });
  }, 120_000);
});
