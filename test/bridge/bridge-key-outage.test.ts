/**
 * A spooling bridge while Syvain rejects its key for a spell (a key rotation, an auth outage): every
 * request is still answered 200 (the events are on disk), `/readyz` says "Syvain rejects the API
 * key" during the spell and is ready again once Syvain accepts it, and the events that got 401
 * are delivered by the running bridge, exactly once, without a restart. A bridge stopped while the
 * key is still rejected leaves them in the spool and says so (`leftoversRemain`), and the next
 * bridge delivers them. The sender is the real OTel SDK with its OTLP/protobuf exporter.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BridgeLogEntry } from "../../src/bridge/bridge-log.ts";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { openMeterProvider } from "./helpers/otlp-senders.ts";

const SLUG = "key-rotation";

let emulator: Emulator;
let dir: string;
let logs: BridgeLogEntry[];
const bridges: Bridge[] = [];
const providers: MeterProvider[] = [];

beforeEach(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "bridge-key-outage-"));
  logs = [];
});

afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.shutdown().catch(() => undefined)));
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

async function startBridge(): Promise<string> {
  const bridge = createBridge({ port: 0, spoolDir: dir, shutdownTimeoutSeconds: 1, syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url, flushDelaySeconds: 0.01 }, log: (entry) => logs.push(entry) });
  bridges.push(bridge);
  return (await bridge.start()).url;
}

/** A real MeterProvider exporting OTLP/protobuf to the bridge; `send(from, to)` records one point per step, then exports. */
function sender(url: string): (from: number, to: number) => Promise<void> {
  const provider = openMeterProvider({ url, protocol: "proto", resource: { "service.name": "trainer", "syvain.experiment.slug": SLUG } });
  providers.push(provider);
  const loss = provider.getMeter("trainer").createGauge("train.loss");
  return async (from, to) => {
    for (let step = from; step < to; step++) loss.record(step / 10, { step });
    await provider.forceFlush();
  };
}

/** A bridge and a sender whose first `n` steps are stored; then Syvain answers 401 to every ingest. */
async function deliveredThenRejected(n: number): Promise<{ url: string; send: (from: number, to: number) => Promise<void> }> {
  const url = await startBridge();
  const send = sender(url);
  await send(0, n);
  await vi.waitFor(() => expect(storedSteps()).toEqual(steps(n)), { timeout: 10_000 });
  emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 401 }] });
  return { url, send };
}

const storedSteps = (): number[] => emulator.store.metrics(SLUG).map((m) => m.step ?? -1).sort((a, b) => a - b);
const steps = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const answers = (): unknown[] => logs.filter((e) => e.event === "request").map((e) => e.status);
const line = (event: string): BridgeLogEntry | undefined => logs.find((e) => e.event === event);

async function readiness(url: string): Promise<{ status: number; reasons: string[] }> {
  const answer = await fetch(`${url}/readyz`);
  return { status: answer.status, reasons: ((await answer.json()) as { reasons: string[] }).reasons };
}

describe("a spooling bridge while Syvain rejects its key for a spell", () => {
  it("answers 200, is not ready during the spell, then ready again, and delivers what got 401 exactly once without a restart", async () => {
    const { url, send } = await deliveredThenRejected(100);
    await send(100, 600);
    await vi.waitFor(async () => expect((await readiness(url)).reasons.join(" ")).toContain("rejects the API key"), { timeout: 10_000 });
    expect((await readiness(url)).status).toBe(503);

    emulator.faults.clear();
    await send(600, 700);
    await vi.waitFor(() => expect(storedSteps()).toEqual(steps(700)), { timeout: 20_000 });
    await vi.waitFor(async () => expect(await readiness(url)).toEqual({ status: 200, reasons: [] }), { timeout: 10_000 });
    expect(answers().every((status) => status === 200)).toBe(true);

    await bridges[0]!.close();
    expect(line("shutdown.done")).toMatchObject({ accepted: 700, pending: 0, failed: 0 });
    expect(line("shutdown.spooled")).toMatchObject({ level: "info", pending: 0, recordsOnDisk: 0, leftoversRemain: false, reason: "nothing left to deliver" });
    expect(storedSteps()).toEqual(steps(700));
  }, 60_000);

  it("stopped while the key is still rejected: says what stays in the spool, and the next bridge delivers it once", async () => {
    const { send } = await deliveredThenRejected(50);
    await send(50, 300);
    expect(answers().every((status) => status === 200)).toBe(true);
    await providers.splice(0)[0]!.shutdown();
    await bridges.splice(0)[0]!.close();
    expect(line("shutdown.done")).toMatchObject({ accepted: 50, pending: 250, failed: 0 });
    const spooled = line("shutdown.spooled");
    expect(spooled).toMatchObject({ level: "warn", pending: 250, leftoversRemain: true });
    expect(spooled?.reason).toContain("stay in the spool");

    emulator.faults.clear();
    logs = [];
    await startBridge();
    await vi.waitFor(() => expect(storedSteps()).toEqual(steps(300)), { timeout: 20_000 });
  }, 60_000);
});
