/**
 * A bridge releases experiments left idle (review 14, F8: it kept each one's state for ever, one per
 * training run, ~95 KB of RSS apiece): `/readyz` counts those held, and a sender coming back after
 * the release is answered as before, its points stored exactly once in the same experiment. With
 * and without the spool. Virtual time drives the sweep and the idle clock; requests run for real.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { writerDirs } from "../delivery/spool/spool-helpers.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

const IDLE_SECONDS = 120;
const root = mkdtempSync(path.join(tmpdir(), "syvain-bridge-idle-"));
let emulator: Emulator | undefined;
let bridge: Bridge | undefined;

afterEach(async () => {
  vi.useRealTimers();
  await bridge?.close();
  bridge = undefined;
  await emulator?.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function held(url: string): Promise<number> {
  const body = (await (await fetch(`${url}/readyz`)).json()) as { experimentsHeld: number };
  return body.experimentsHeld;
}

describe.each([
  ["memory only", false],
  ["with a spool", true],
])("bridge, %s", (_, spool) => {
  it("releases idle experiments; one that comes back is the same, its points stored once", async () => {
    emulator = await startEmulator();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const spoolDir = spool ? path.join(root, "spool") : false;
    bridge = createBridge({ port: 0, log: () => {}, spoolDir, syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url, experimentIdleSeconds: IDLE_SECONDS } });
    const { url } = await bridge.start();
    const slugs = ["run-1", "run-2", "run-3"];
    for (const slug of slugs) expect((await post(`${url}/v1/metrics`, gaugeSteps(slug, 0, 10), JSON_TYPE)).status).toBe(200);
    await vi.waitFor(() => expect(slugs.map((slug) => emulator!.store.metrics(slug).length)).toEqual([10, 10, 10]), { timeout: 10_000, interval: 20 });
    expect(await held(url)).toBe(3);

    // Delivered (and, with the spool, acknowledged) a moment ago: the outboxes settle, then idle.
    await vi.waitFor(async () => {
      vi.advanceTimersByTime(IDLE_SECONDS * 1500);
      expect(await held(url)).toBe(0);
    }, { timeout: 5_000, interval: 50 });

    expect((await post(`${url}/v1/metrics`, gaugeSteps("run-2", 5, 20), JSON_TYPE)).status).toBe(200);
    expect(await held(url)).toBe(1);
    const report = await bridge.close();
    expect(report.totals).toMatchObject({ experiments: 3, accepted: 45, pending: 0, failed: 0, dropped: 0 });
    expect(emulator.store.experiments().map((e) => e.slug).sort()).toEqual(slugs);
    expect(emulator.store.metrics("run-2").map((m) => Number(m.step)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    if (spoolDir !== false) expect(writerDirs(spoolDir)).toEqual([]);
  });
});
