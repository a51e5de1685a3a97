/**
 * Scale-out: three bridges, each with its own exporters, behind a round-robin sender, one Syvain
 * (the emulator). 300 requests, the first ones concurrent on every replica for an experiment that
 * does not exist yet: one experiment is created, and every point is stored exactly once —
 * whichever replica a request (or its retry) lands on.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

const REPLICAS = 3;
const REQUESTS = 300;
const POINTS_PER_REQUEST = 10;
let emulator: Emulator;
let bridges: Bridge[];

beforeEach(async () => {
  emulator = await startEmulator();
  bridges = Array.from({ length: REPLICAS }, () =>
    createBridge({ port: 0, retryAfterSeconds: 1, syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url, flushDelaySeconds: 0.01 }, log: () => {} }),
  );
  await Promise.all(bridges.map((bridge) => bridge.start()));
});

afterEach(async () => {
  await Promise.all(bridges.map((bridge) => bridge.close()));
  await emulator.close();
});

it("3 replicas round-robin: one experiment, every point stored once", async () => {
  const urls = bridges.map((bridge) => bridge.url!);
  let next = 0;
  // A sender as an OTLP exporter is: on 429/503, wait and resend (to whichever replica is next).
  const send = async (request: number): Promise<void> => {
    const body = gaugeSteps("replicas", request * POINTS_PER_REQUEST, (request + 1) * POINTS_PER_REQUEST);
    for (let attempt = 0; attempt < 50; attempt++) {
      const url = urls[next++ % REPLICAS]!;
      const answer = await post(`${url}/v1/metrics`, body, JSON_TYPE);
      if (answer.status === 200) return;
      expect([429, 503]).toContain(answer.status);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`request ${request} never accepted`);
  };
  // The first wave lands on every replica at once while the experiment does not exist yet.
  const waves = 10;
  for (let wave = 0; wave < waves; wave++) {
    await Promise.all(Array.from({ length: REQUESTS / waves }, (_, i) => send(wave * (REQUESTS / waves) + i)));
  }
  await Promise.all(bridges.map((bridge) => bridge.close()));
  const experiments = emulator.stats().experiments.filter((e) => e.slug === "replicas");
  expect(experiments).toHaveLength(1);
  expect(experiments[0]!.metrics).toBe(REQUESTS * POINTS_PER_REQUEST);
});
