/**
 * A bridge whose API key Syvain rejects must not look healthy: the CLI refuses to start (exit 1,
 * naming the environment variable, never the key), and at runtime `/readyz` is not ready and the
 * refused requests are logged as errors.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BridgeLogEntry } from "../../src/bridge/bridge-log.ts";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import { checkApiKey } from "../../src/bridge/key-check.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const WRONG_KEY = "ak_wrong_key_for_tests";

let emulator: Emulator;
let bridge: Bridge | undefined;

beforeEach(async () => {
  emulator = await startEmulator();
});

afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
  await emulator.close();
});

describe("startup key check", () => {
  it("tells an accepted key, a rejected one and an unreachable Syvain apart", async () => {
    expect(await checkApiKey({ apiKey: EMULATOR_API_KEY, host: emulator.url }, "X")).toEqual({ outcome: "accepted" });
    const rejected = await checkApiKey({ apiKey: WRONG_KEY, host: emulator.url }, "the environment variable SYVAIN_METRICS_API_KEY");
    expect(rejected).toMatchObject({ outcome: "rejected", message: expect.stringContaining("SYVAIN_METRICS_API_KEY") });
    expect(JSON.stringify(rejected)).not.toContain(WRONG_KEY);
    const closed = emulator.url;
    await emulator.close();
    expect(await checkApiKey({ apiKey: EMULATOR_API_KEY, host: closed }, "X")).toMatchObject({ outcome: "unreachable" });
    emulator = await startEmulator();
  });

  it("syvain-otel bridge exits 1 naming the environment variable when Syvain rejects the key", async () => {
    // Asynchronous: the emulator runs in this process and must answer the child's check.
    const run = await promisify(execFile)(process.execPath, ["--conditions=syvain-source", "src/cli/main.ts", "bridge", "--port", "0", "--syvain-host", emulator.url], {
      cwd: root,
      env: { PATH: process.env.PATH, SYVAIN_METRICS_API_KEY: WRONG_KEY },
      encoding: "utf8",
      timeout: 30_000,
    }).then(
      () => ({ status: 0, stdout: "", stderr: "" }),
      (error: { code: number; stdout: string; stderr: string }) => ({ status: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Syvain rejected the API key in the environment variable SYVAIN_METRICS_API_KEY");
    expect(run.stderr + run.stdout).not.toContain(WRONG_KEY);
    expect(run.stderr).not.toContain('"event":"listening"');
  });
});

describe("a key rejected at runtime", () => {
  it("makes /readyz not ready and logs the refused request as an error", async () => {
    const logs: BridgeLogEntry[] = [];
    bridge = createBridge({ port: 0, log: (entry) => logs.push(entry), syvain: { apiKey: WRONG_KEY, host: emulator.url } });
    const { url } = await bridge.start();
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const refused = await post(`${url}/v1/metrics`, gaugeSteps("locked-out", 0, 3), JSON_TYPE);
    expect(refused.status).toBe(503);
    const request = logs.find((e) => e.event === "request");
    expect(request).toMatchObject({ level: "error", status: 503 });

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { ready: boolean; reasons: string[] };
    expect(body.reasons.join(" ")).toContain("rejects the API key");
    expect(JSON.stringify([logs, body])).not.toContain(WRONG_KEY);
  });

  it("is ready again once Syvain accepts the key again (a spell of 401s, memory only): the next accepted delivery clears it", async () => {
    bridge = createBridge({ port: 0, log: () => undefined, syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url, flushDelaySeconds: 0.01 } });
    const { url } = await bridge.start();
    expect((await post(`${url}/v1/metrics`, gaugeSteps("rotated", 0, 3), JSON_TYPE)).status).toBe(200);
    await vi.waitFor(() => expect(emulator.store.metrics("rotated")).toHaveLength(3));
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 401 }] });
    await post(`${url}/v1/metrics`, gaugeSteps("rotated", 3, 6), JSON_TYPE);
    await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(503));
    emulator.faults.clear();
    // Memory only: the batch that got 401 is given up (counted failed), as the docs say; the next one clears the rejection.
    await vi.waitFor(async () => {
      await post(`${url}/v1/metrics`, gaugeSteps("rotated", 6, 9), JSON_TYPE);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    });
  });
});
