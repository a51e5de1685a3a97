/**
 * The bridge's shutdown line gives the command that delivers what stays in its spool,
 * `SYVAIN_METRICS_HOST=<host> syvain-otel sync <dir>`. With a `syvain.client` given, the spool's
 * part is that client's host (bridge-delivery.ts), so the command must name it: run with another
 * host, sync refuses the part and sends nothing (found by review 13).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import type { BridgeLogEntry } from "../../src/bridge/bridge-log.ts";
import { createSyvainClient } from "../../src/client.ts";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

let emulator: Emulator;
let dir: string;
let bridge: Bridge | undefined;

beforeEach(async () => {
  emulator = await startEmulator({ ui: false });
  dir = await mkdtemp(join(tmpdir(), "bridge-hint-"));
});
afterEach(async () => {
  await bridge?.close();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

it("names the given client's host in the sync command of its shutdown line", async () => {
  delete process.env.SYVAIN_METRICS_HOST;
  const logs: BridgeLogEntry[] = [];
  const client = createSyvainClient({ apiKey: EMULATOR_API_KEY, host: emulator.url });
  bridge = createBridge({ port: 0, spoolDir: dir, shutdownTimeoutSeconds: 1, syvain: { client }, log: (entry) => logs.push(entry) });
  const { url } = await bridge.start();
  emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
  expect((await post(`${url}/v1/metrics`, gaugeSteps("hint-run", 0, 20), JSON_TYPE)).status).toBe(200);
  await bridge.close();
  bridge = undefined;
  const line = logs.find((e) => e.event === "shutdown.spooled");
  expect(String(line?.reason)).toContain("syvain-otel sync");
  expect(String(line?.reason)).toContain(`SYVAIN_METRICS_HOST=${emulator.url}`);
  // The part records that host too: a copy of it is synced to it from anywhere.
  expect(JSON.parse(await readFile(join(hostSpoolDir(dir, emulator.url), "FORMAT"), "utf8"))).toEqual({ format: 1, host: emulator.url });
});
