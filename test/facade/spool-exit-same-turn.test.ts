/**
 * `process.exit()` in the same synchronous turn as the `metric()` calls: the facade appends what
 * `metric()` queued to the spool at the end of the caller's synchronous code, and here there is no
 * "after". The `exit` hooks must write those points too, also when a status update in the same turn
 * already caught up the points before it. Real child processes in offline mode (nothing is sent),
 * then the leftovers are delivered: every point and the annotation, once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import type { Emulator } from "../../src/testing/index.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { spawnFixture } from "./child-runner.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "exit-same-turn-job.ts");
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-exit-same-turn-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the job (it exits in the turn it logs), checks nothing was sent, then replays its spool. */
async function exitThenReplay(emulator: Emulator, slug: string, args: readonly string[]): Promise<void> {
  const spoolDir = path.join(root, slug);
  const child = spawnFixture(fixture, [slug, ...args], { host: emulator.url, apiKey: emulator.apiKey }, { env: { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_MODE: "offline" } });
  const result = await child.result;
  expect(result.code, result.stderr).toBe(0);
  // Offline: nothing was sent, not even the creation.
  expect(() => emulator.store.metrics(slug)).toThrow(/no experiment/);
  const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
  try {
    await deliverLeftovers({ spoolDir, client });
  } finally {
    await client.close();
  }
}

function expectStoredOnce(emulator: Emulator, slug: string, points: number): void {
  const steps = emulator.store.metrics(slug).map((m) => m.step);
  expect(steps.length).toBe(points);
  expect(new Set(steps).size).toBe(points);
  expect(emulator.store.annotations(slug).map((a) => a.text)).toEqual(["last words"]);
}

describe("process.exit() right after metric(), in the same synchronous turn", () => {
  it("every point and annotation logged is in the spool and delivered once by the next replay", async () => {
    await withEmulator(async (emulator) => {
      await exitThenReplay(emulator, "same-turn", ["5000"]);
      expectStoredOnce(emulator, "same-turn", 5000);
    });
  });

  it("with done() between the points, the points after it are in the spool too", async () => {
    await withEmulator(async (emulator) => {
      await exitThenReplay(emulator, "after-status", ["100", "50"]);
      expectStoredOnce(emulator, "after-status", 150);
      expect(emulator.store.experiment("after-status")?.status).toBe("done");
    });
  });
});
