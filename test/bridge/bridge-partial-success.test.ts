/**
 * Partial success counts are per request, even when requests overlap: a request large enough to
 * be mapped in chunks (asynchronously) must not lend its rejected points to a request answered
 * meanwhile, nor lose them.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { BridgeLogEntry } from "../../src/bridge/bridge-log.ts";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import { EXPORT_CHUNK_ITEMS } from "../../src/exporter/otel/export-chunks.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

let emulator: Emulator;
let bridge: Bridge;
let url: string;
let logs: BridgeLogEntry[];

beforeEach(async () => {
  emulator = await startEmulator();
  logs = [];
  bridge = createBridge({
    port: 0,
    maxRequestBytes: 16 * 1024 * 1024,
    maxDecompressedBytes: 16 * 1024 * 1024,
    syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url, flushDelaySeconds: 0.01 },
    log: (entry) => logs.push(entry),
  });
  ({ url } = await bridge.start());
});

afterEach(async () => {
  await bridge.close();
  await emulator.close();
});

/** `gaugeSteps` with every step in `poisoned` sent as NaN (the mapping rejects it). */
function gaugeWithNaN(slug: string, steps: number, poisoned: ReadonlySet<number>): string {
  const body = JSON.parse(gaugeSteps(slug, 0, steps)) as {
    resourceMetrics: { scopeMetrics: { metrics: { gauge: { dataPoints: { asDouble: number | string }[] } }[] }[] }[];
  };
  const points = body.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.gauge.dataPoints;
  for (const step of poisoned) points[step]!.asDouble = "NaN";
  return JSON.stringify(body);
}

const rejectedOf = (text: string): number => Number((JSON.parse(text || "{}") as { partialSuccess?: { rejectedDataPoints?: string } }).partialSuccess?.rejectedDataPoints ?? 0);

it("counts each overlapping request's rejected points in its own answer", async () => {
  // Both experiments exist first, so neither request waits for a creation.
  for (const slug of ["large", "small"]) expect((await post(`${url}/v1/metrics`, gaugeSteps(slug, 0, 1), JSON_TYPE)).status).toBe(200);
  const steps = EXPORT_CHUNK_ITEMS * 3;
  const poisoned = new Set(Array.from({ length: steps }, (_, i) => i).filter((i) => i % 997 === 5));
  const [large, small] = await Promise.all([
    post(`${url}/v1/metrics`, gaugeWithNaN("large", steps, poisoned), JSON_TYPE),
    post(`${url}/v1/metrics`, gaugeWithNaN("small", 10, new Set([3])), JSON_TYPE),
  ]);
  expect([large.status, small.status]).toEqual([200, 200]);
  expect(rejectedOf(large.text)).toBe(poisoned.size);
  expect(rejectedOf(small.text)).toBe(1);
  await bridge.close();
  expect(emulator.store.metrics("large")).toHaveLength(steps - poisoned.size);
  expect(emulator.store.metrics("small")).toHaveLength(9);
});

it("logs the mapping's per-point reason that the partial-success message points to", async () => {
  const answer = await post(`${url}/v1/metrics`, gaugeWithNaN("poisoned", 5, new Set([2])), JSON_TYPE);
  expect(rejectedOf(answer.text)).toBe(1);
  expect(answer.text).toContain("delivery.warning");
  const warning = logs.find((e) => e.event === "delivery.warning");
  expect(warning).toMatchObject({ level: "warn", message: expect.stringMatching(/"poisoned".*1 invalid points.*loss/) });
});
