/**
 * Options, queue bounds and the shutdown sequence of `createBridge()`.
 */
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import type { BridgeLogEntry } from "../../src/bridge/bridge-log.ts";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { createSyvainExporters } from "../../src/exporter/otel/create-exporters.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

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

const quiet = (): void => {};

describe("options", () => {
  it("a bearer token no Authorization header can carry (a stray newline, a space) is refused at start, not answered 401 forever", () => {
    for (const authToken of ["0123456789abcdef\n", "0123456789 abcdef", "0123456789abcdéf"]) {
      let error: unknown;
      try {
        createBridge({ log: quiet, authToken });
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(authToken)).toBeInstanceOf(SyvainValidationError);
      expect((error as SyvainValidationError).field).toBe("authToken");
      expect((error as Error).message).not.toContain("0123456789");
    }
  });

  it("rejects bad options with a SyvainValidationError naming the option, never echoing secrets", async () => {
    const exporters = createSyvainExporters({ sink: () => ({ deliver: () => Promise.reject(new Error("unused")), close: () => Promise.resolve() }) });
    const cases: [Record<string, unknown>, string][] = [
      [{ port: 70000 }, "port"],
      [{ pathPrefix: "otlp/" }, "pathPrefix"],
      [{ maxRequestBytes: 10 }, "maxRequestBytes"],
      [{ authToken: "short" }, "authToken"],
      [{ syvain: {}, exporters }, "exporters"],
      [{ bogus: 1 }, ""],
    ];
    for (const [options, field] of cases) {
      let error: unknown;
      try {
        createBridge({ log: quiet, ...options });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SyvainValidationError);
      if (field !== "") expect((error as SyvainValidationError).field).toBe(field);
    }
    try {
      createBridge({ authToken: "secret" });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("secret\"");
      expect((error as Error).message).toContain("<redacted>");
    }
    await exporters.shutdown();
  });
});

describe("queue bounds", () => {
  it("answers 503 when a request would overflow a queue, and 413 when it never fits", async () => {
    emulator.faults.script("ingestMetrics", [{ delayMs: 1500 }]);
    bridge = createBridge({ port: 0, log: quiet, syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url, maxQueueItems: 20, flushDelaySeconds: 0 } });
    const { url } = await bridge.start();
    expect((await post(`${url}/v1/metrics`, gaugeSteps("bounded", 0, 15), JSON_TYPE)).status).toBe(200);
    const wait = await post(`${url}/v1/metrics`, gaugeSteps("bounded", 15, 25), JSON_TYPE);
    expect(wait.status).toBe(503);
    expect(JSON.parse(wait.text).message).toMatch(/15 events are waiting .* this request has 10; the queue holds 20/);
    expect((await post(`${url}/v1/metrics`, gaugeSteps("bounded", 0, 21), JSON_TYPE)).status).toBe(413);
    await bridge.close();
    expect(emulator.store.metrics("bounded").map((m) => m.step)).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });
});

describe("close()", () => {
  it("answers the request in flight, refuses new connections, drains the outbox", async () => {
    emulator.faults.script("createExperiment", [{ delayMs: 500 }]);
    const logs: BridgeLogEntry[] = [];
    bridge = createBridge({ port: 0, log: (e) => logs.push(e), syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url } });
    const { url } = await bridge.start();
    const inFlight = post(`${url}/v1/metrics`, gaugeSteps("draining", 0, 5), JSON_TYPE);
    await vi.waitFor(() => expect(emulator.counters.requests.createExperiment).toBeDefined(), { timeout: 5_000, interval: 10 });
    const closed = bridge.close();
    expect((await inFlight).status).toBe(200);
    await closed;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(emulator.store.metrics("draining")).toHaveLength(5);
    expect(logs.map((e) => e.event)).toEqual(["listening", "shutdown.start", "request", "shutdown.done"]);
    expect(logs.at(-1)).toMatchObject({ accepted: 5, pending: 0, failed: 0, dropped: 0 });
  });

  it("writes a JSONL file instead of calling Syvain", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "bridge-")), "runs.jsonl");
    bridge = createBridge({ port: 0, log: quiet, syvain: { jsonlPath: path } });
    const { url } = await bridge.start();
    expect((await post(`${url}/v1/metrics`, gaugeSteps("offline", 0, 3), JSON_TYPE)).status).toBe(200);
    await bridge.close();
    const records = readFileSync(path, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { type: string; step?: number; slug?: string });
    expect(records[0]).toMatchObject({ type: "experiment", slug: "offline" });
    expect(records.filter((r) => r.type === "metric").map((r) => r.step)).toEqual([0, 1, 2]);
  });
});
