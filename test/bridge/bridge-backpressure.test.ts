/**
 * Backpressure and retries: the bridge never answers 200 for data it did not queue; a sender
 * that retries after 503 gets its data delivered exactly once when Syvain comes back.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import type { BridgeLogEntry } from "../../src/bridge/bridge-log.ts";
import type { BridgeOptions } from "../../src/bridge/bridge-options.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";
import { sendLogRecords, sendTrainingMetrics } from "./helpers/otlp-senders.ts";

let emulator: Emulator;
let bridge: Bridge;
let url: string;
let logs: BridgeLogEntry[];
let onLog: (entry: BridgeLogEntry) => void = () => {};

async function open(options: Partial<BridgeOptions> & { syvain?: Record<string, unknown> }): Promise<void> {
  logs = [];
  bridge = createBridge({
    port: 0,
    retryAfterSeconds: 1,
    log: (entry) => {
      logs.push(entry);
      onLog(entry);
    },
    ...options,
    syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url, flushDelaySeconds: 0.01, ...options.syvain },
  });
  ({ url } = await bridge.start());
}

beforeEach(async () => {
  emulator = await startEmulator();
  onLog = () => {};
});

afterEach(async () => {
  await bridge.close();
  await emulator.close();
});

/** Polls `/readyz` until it answers `status` (bounded: a bridge that never gets there fails with the last status seen). */
const readinessBecomes = (status: number): Promise<void> =>
  vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(status), { timeout: 20_000, interval: 25 });

const requestStatuses = (signal: string) => logs.filter((e) => e.event === "request" && e.signal === signal).map((e) => e.status);

describe("Syvain unavailable", () => {
  it("real OTLP exporters retry after 503 and their data arrives once when Syvain recovers", async () => {
    await open({ answerTimeoutSeconds: 5 });
    emulator.faults.random("createExperiment", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    // Syvain "recovers" as soon as the bridge has turned a request away.
    onLog = (entry) => {
      if (entry.event === "request" && entry.status === 503) emulator.faults.clear();
    };
    const resource = { "service.name": "trainer", "syvain.experiment.slug": "flaky" };
    const { loss, samples } = await sendTrainingMetrics({ url, protocol: "proto-gzip", resource }, 60);
    await sendLogRecords({ url, protocol: "json", resource }, ["a", "b", "c"]);
    await bridge.close();

    expect(requestStatuses("metrics")).toEqual([503, 200]);
    const steps = emulator.store.metrics("flaky", { name: "train.loss" });
    expect(steps.map((e) => e.step)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (const event of steps) expect(event.value).toBe(loss(event.step!));
    expect(emulator.store.metrics("flaky", { name: "samples.seen" }).map((e) => e.value)).toEqual([samples]);
    expect(emulator.store.annotations("flaky").map((a) => a.text)).toEqual(["a", "b", "c"]);
    expect(emulator.store.experiments()).toHaveLength(1);
  });

  it("a failed experiment creation answers that request 503 but leaves the bridge ready, so a retry can create it", async () => {
    await open({ answerTimeoutSeconds: 5 });
    emulator.faults.random("createExperiment", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const refused = await post(`${url}/v1/metrics`, gaugeSteps("late", 0, 3), JSON_TYPE);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    emulator.faults.clear();
    expect((await post(`${url}/v1/metrics`, gaugeSteps("late", 0, 3), JSON_TYPE)).status).toBe(200);
    await bridge.close();
    expect(emulator.store.metrics("late").map((m) => m.step)).toEqual([0, 1, 2]);
  });

  it("an answer timeout longer than Node's longest timer (24.8 days) still waits for a slow experiment creation", async () => {
    await open({ answerTimeoutSeconds: 30 * 24 * 3600 });
    emulator.faults.script("createExperiment", [{ delayMs: 200 }]);
    expect((await post(`${url}/v1/metrics`, gaugeSteps("patient", 0, 3), JSON_TYPE)).status).toBe(200);
    await bridge.close();
    expect(emulator.store.metrics("patient").map((m) => m.step)).toEqual([0, 1, 2]);
  });

  it("Syvain rate limiting is passed on as 429 with Retry-After", async () => {
    await open({ answerTimeoutSeconds: 5, retryAfterSeconds: 30 });
    emulator.faults.random("createExperiment", { rate: 1, mix: [{ status: 429, retryAfterSeconds: 0 }] });
    const limited = await post(`${url}/v1/metrics`, gaugeSteps("limited", 0, 3), JSON_TYPE);
    expect(limited.status).toBe(429);
    // Syvain's own Retry-After (0 s here) wins over the bridge default (30 s), at least 1 s.
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(JSON.parse(limited.text)).toMatchObject({ code: 8 });
  });

  it("once /readyz is ready again after an outage, a request that fits the queue is admitted (no 'ready' then 503)", async () => {
    // Small batches: the outage's backlog is retried as several batches, each on its own
    // jittered timer, so some succeed while others still wait.
    await open({ syvain: { maxQueueItems: 20, maxBatchItems: 3 } });
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    expect((await post(`${url}/v1/metrics`, gaugeSteps("backlog", 0, 12), JSON_TYPE)).status).toBe(200);
    await readinessBecomes(503);
    emulator.faults.clear();
    await readinessBecomes(200);
    // Ready means the outage's backlog is delivered: a request of 12 fits a queue of 20.
    expect((await post(`${url}/v1/metrics`, gaugeSteps("backlog", 12, 24), JSON_TYPE)).status).toBe(200);
    await bridge.close();
    expect(emulator.store.metrics("backlog").map((m) => m.step).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it("a full or failing outbox turns senders away with 503 + Retry-After until it drains", async () => {
    await open({ syvain: { maxQueueItems: 20 } });
    const gaugeBody = (from: number, to: number) => gaugeSteps("pressure", from, to);
    expect((await post(`${url}/v1/metrics`, gaugeBody(0, 10), JSON_TYPE)).status).toBe(200);
    // The first 10 must be delivered before the outage: on a loaded machine they may still be
    // queued, and 10 + 8 would already cross the 80 % mark this test reaches on purpose later.
    await vi.waitFor(() => expect(emulator.store.metrics("pressure")).toHaveLength(10), { timeout: 20_000, interval: 25 });
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    expect((await post(`${url}/v1/metrics`, gaugeBody(10, 18), JSON_TYPE)).status).toBe(200);
    await readinessBecomes(503);

    const refused = await post(`${url}/v1/metrics`, gaugeBody(18, 30), JSON_TYPE);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(JSON.parse(refused.text)).toMatchObject({ code: 14, message: expect.stringContaining("pressure") });

    emulator.faults.clear();
    await readinessBecomes(200);
    expect((await post(`${url}/v1/metrics`, gaugeBody(18, 30), JSON_TYPE)).status).toBe(200);
    await bridge.close();
    expect(emulator.store.metrics("pressure").map((m) => m.step).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});
