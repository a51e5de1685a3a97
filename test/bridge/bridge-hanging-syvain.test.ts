/**
 * With the spool on, a new experiment's data is answered 200 while Syvain is unreachable, including
 * when Syvain hangs (a black-holed network, an overloaded load balancer) rather than refusing: the
 * creation is deferred once it has waited a quarter of the answer deadline, its spec and events are
 * spooled, and the request is answered from the spool. Before, the creation was deferred only after
 * its attempts timed out (4 × 10 s), so every request until then got 503 after the answer deadline
 * (found by an outside review). Once Syvain answers again, the creation finishes and every point is
 * stored once, in one experiment.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

let emulator: Emulator;
let dir: string;
let bridge: Bridge | undefined;

beforeEach(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "bridge-hanging-syvain-"));
});
afterEach(async () => {
  await bridge?.close();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

it("answers 200 for a new experiment from the spool while Syvain hangs, and stores it once Syvain answers", async () => {
  bridge = createBridge({
    port: 0,
    spoolDir: dir,
    answerTimeoutSeconds: 2,
    shutdownTimeoutSeconds: 1,
    // Short client timeouts: the hanging creation gives up soon once Syvain answers again.
    syvain: { client: createSyvainClient({ apiKey: EMULATOR_API_KEY, host: emulator.url, timeout: 1, ingestTimeout: 1 }) },
    log: () => {},
  });
  const { url } = await bridge.start();
  emulator.faults.random("*", { rate: 1, mix: [{ delayMs: 600_000 }] });
  const first = await post(`${url}/v1/metrics`, gaugeSteps("born-while-hanging", 0, 10), JSON_TYPE);
  expect(first.status).toBe(200);
  const second = await post(`${url}/v1/metrics`, gaugeSteps("born-while-hanging", 10, 20), JSON_TYPE);
  expect(second.status).toBe(200);
  expect(emulator.store.experiment("born-while-hanging")).toBeUndefined();

  emulator.faults.clear();
  await vi.waitFor(() => expect(emulator.store.metrics("born-while-hanging")).toHaveLength(20), { timeout: 20_000, interval: 100 });
  expect(new Set(emulator.store.metrics("born-while-hanging").map((m) => m.step)).size).toBe(20);
  expect(emulator.store.experiments().filter((e) => e.slug === "born-while-hanging")).toHaveLength(1);
}, 40_000);
