/**
 * Real OTel JS OTLP exporters → bridge → Syvain emulator: every gauge step, counter value and log
 * record arrives once, and resource attributes become experiment metadata.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import type { BridgeLogEntry } from "../../src/bridge/bridge-log.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { AggregationTemporalityPreference } from "@opentelemetry/exporter-metrics-otlp-http";
import { PROTOCOLS, openMeterProvider, sendLogRecords, sendTrainingMetrics } from "./helpers/otlp-senders.ts";

let emulator: Emulator;
let bridge: Bridge;
let url: string;
let logs: BridgeLogEntry[];

beforeEach(async () => {
  emulator = await startEmulator();
  logs = [];
  bridge = createBridge({ port: 0, syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url, flushDelaySeconds: 0.01 }, log: (entry) => logs.push(entry) });
  ({ url } = await bridge.start());
});

afterEach(async () => {
  await bridge.close();
  await emulator.close();
});

describe.each(PROTOCOLS)("OTLP %s → bridge → emulator", (protocol) => {
  it("delivers every step, the counter and every log record once, with resource metadata", async () => {
    const slug = `run-${protocol}`;
    const resource = { "service.name": "trainer", "syvain.experiment.slug": slug, "config.lr": 0.003, "config.optimizer": "adamw", "git.sha": "abc123" };
    const steps = 250;
    const { loss, samples } = await sendTrainingMetrics({ url, protocol, resource }, steps);
    const texts = ["epoch 1 done", "checkpoint saved", "eval started", "✓ unicode survives"];
    await sendLogRecords({ url, protocol, resource }, texts);
    await bridge.close(); // drains the outbox into the emulator

    const lossEvents = emulator.store.metrics(slug, { name: "train.loss" });
    expect(lossEvents.map((e) => e.step).sort((a, b) => a! - b!)).toEqual(Array.from({ length: steps }, (_, i) => i));
    for (const event of lossEvents) expect(event.value).toBe(loss(event.step!));
    expect(emulator.store.metrics(slug, { name: "samples.seen" }).map((e) => e.value)).toEqual([samples]);
    expect(emulator.store.annotations(slug).map((a) => a.text).sort()).toEqual([...texts].sort());

    // Dotted resource attributes become nested experiment metadata.
    expect(emulator.store.experiment(slug)?.metadata).toEqual({ config: { lr: 0.003, optimizer: "adamw" }, git: { sha: "abc123" }, service: { name: "trainer" } });
    expect(emulator.store.experiments()).toHaveLength(1);

    const requests = logs.filter((e) => e.event === "request");
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(requests.every((e) => e.status === 200)).toBe(true);
  });
});

describe("CUMULATIVE senders", () => {
  it("re-exported gauge steps are stored once (deterministic event ids deduplicate them)", async () => {
    const resource = { "service.name": "trainer", "syvain.experiment.slug": "cumulative" };
    const provider = openMeterProvider({ url, protocol: "proto", resource, temporality: AggregationTemporalityPreference.CUMULATIVE });
    const gauge = provider.getMeter("trainer").createGauge("train.loss");
    for (let step = 0; step < 20; step++) gauge.record(step / 10, { step });
    await provider.forceFlush();
    for (let step = 20; step < 30; step++) gauge.record(step / 10, { step });
    await provider.forceFlush(); // steps 0..19 are sent again, with 20..29
    await provider.shutdown(); // and all 30 once more
    await bridge.close();
    const steps = emulator.store.metrics("cumulative", { name: "train.loss" }).map((e) => e.step);
    expect(steps.sort((a, b) => a! - b!)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(logs.filter((e) => e.event === "request").map((e) => e.accepted)).toEqual([20, 30, 30]);
  });
});
