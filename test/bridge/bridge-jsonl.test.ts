/**
 * The bridge writing a JSONL file (`--jsonl FILE`): a 200 means the request's lines are in the file
 * (written and fsynced) at the moment of the answer, not queued for a later batch write. The file is
 * read right after each answer, for a raw OTLP/JSON POST and for the real OTel OTLP exporter. A
 * long flush delay keeps the outbox's own batch timer out of the way: only the answer writes.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BridgeLogEntry } from "../../src/bridge/bridge-log.ts";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";
import { openMeterProvider } from "./helpers/otlp-senders.ts";

let dir: string;
let file: string;
let bridge: Bridge | undefined;
let logs: BridgeLogEntry[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "bridge-jsonl-"));
  file = join(dir, "metrics.jsonl");
  logs = [];
});

afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<string> {
  bridge = createBridge({ port: 0, syvain: { jsonlPath: file, flushDelaySeconds: 3600 }, log: (entry) => logs.push(entry) });
  return (await bridge.start()).url;
}

/** Steps of the `metric` lines of `slug` in the file now. */
async function stepsInFile(slug: string): Promise<number[]> {
  const lines = (await readFile(file, "utf8")).split("\n").filter((line) => line !== "");
  const records = lines.map((line) => JSON.parse(line) as { type: string; experiment: string; step?: number });
  return records.filter((r) => r.type === "metric" && r.experiment === slug).map((r) => r.step ?? -1).sort((a, b) => a - b);
}

const steps = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe("createBridge with a JSONL file", () => {
  it("answers a raw OTLP/JSON POST 200 only once its lines are in the file", async () => {
    const url = await start();
    expect((await post(`${url}/v1/metrics`, gaugeSteps("raw", 0, 50), JSON_TYPE)).status).toBe(200);
    expect(await stepsInFile("raw")).toEqual(steps(0, 50));
    expect((await post(`${url}/v1/metrics`, gaugeSteps("raw", 50, 120), JSON_TYPE)).status).toBe(200);
    expect(await stepsInFile("raw")).toEqual(steps(0, 120));
  });

  it("the real OTel OTLP exporter: once its export is answered, the points are in the file", async () => {
    const url = await start();
    const provider = openMeterProvider({ url, protocol: "proto", resource: { "syvain.experiment.slug": "sdk" } });
    const loss = provider.getMeter("trainer").createGauge("train.loss");
    try {
      for (let step = 0; step < 300; step++) loss.record(step / 10, { step });
      await provider.forceFlush();
      expect(await stepsInFile("sdk")).toEqual(steps(0, 300));
    } finally {
      await provider.shutdown();
    }
    expect(logs.filter((e) => e.event === "request").map((e) => e.status)).toEqual([200]);
  });

  it("says at start what a 200 means with a file", async () => {
    await start();
    expect(logs.find((e) => e.event === "listening")).toMatchObject({ destination: "jsonl", path: file, answer200: expect.stringContaining("written to the file") as unknown });
  });
});
