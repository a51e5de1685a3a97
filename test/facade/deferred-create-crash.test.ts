/**
 * A run whose creation was deferred because Syvain hung (a TCP gate held closed), killed with
 * SIGKILL before Syvain answered: the replay honours the run's `create` (ifExists "error").
 *
 * - Our own creation reached Syvain after the kill (its answer was lost): the next Collector sends
 *   the spooled creation again with the same Idempotency-Key, gets our own 201 back, and delivers
 *   every point logged >= 1 s before the kill exactly once into that one experiment.
 * - The slug belonged to an earlier run: `syvain-otel sync` adds nothing to that run's experiment
 *   (no point, no status, no recovery note), keeps the run aside, says why and how to deliver it,
 *   exits 1, and so does the next sync; `sync --rename` then stores every kept point once in a new
 *   experiment, marked `failed` with its recovery note (the run died running).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Emulator } from "../../src/testing/index.ts";
import { Collector } from "../../src/facade/index.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { writerDirs } from "../delivery/spool/spool-helpers.ts";
import { expectCrashRecovered, killAfterFirstLine } from "./crash-job.ts";
import { startLoggingJob } from "./logging-job.ts";
import { startGate, type GatedSyvain } from "./gated-syvain.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const fixture = path.join(import.meta.dirname, "fixtures", "spool-job.ts");
let root: string;
beforeAll(() => void (root = mkdtempSync(path.join(tmpdir(), "deferred-create-crash-"))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The job defers its creation (the gate holds it), logs, and is killed; gives the points logged >= 1 s before the kill. */
async function killedWhileHanging(emulator: Emulator, gate: GatedSyvain, slug: string, spoolDir: string): Promise<number> {
  const job = startLoggingJob(fixture, [slug, "online"], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_API_KEY: emulator.apiKey, SYVAIN_METRICS_HOST: gate.url });
  const mustHave = (await killAfterFirstLine(job, 1200, 600))?.counts[0] ?? 0;
  expect(mustHave, job.stderr()).toBeGreaterThan(0);
  expect(job.stderr()).toContain("has not answered its creation within 2 s");
  return mustHave;
}

async function sync(spoolDir: string, host: string, apiKey: string, args: string[] = []): Promise<{ code: number; output: string }> {
  const env = { PATH: process.env.PATH ?? "", HOME: root, SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: host, SYVAIN_METRICS_API_KEY: apiKey };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--conditions=syvain-source", "src/cli/main.ts", "sync", ...args], { cwd: repo, env });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe("a deferred create, its process killed before Syvain answered", () => {
  it("our own creation reached Syvain (answer lost): the next Collector gets our 201 replayed and delivers every point once", async () => {
    await withEmulator(async (emulator) => {
      const gate = await startGate(emulator.port);
      const spoolDir = path.join(root, "own");
      try {
        const mustHave = await killedWhileHanging(emulator, gate, "own-late", spoolDir);
        expect(emulator.store.experiment("own-late")).toBeUndefined();
        // The held creation reaches Syvain now: created, under the run's key; the answer goes nowhere.
        gate.open();
        await vi.waitFor(() => expect(emulator.store.experiment("own-late")).toBeDefined());
        const replayedBefore = emulator.counters.idempotentReplays;
        const next = new Collector(emulator.apiKey, { host: gate.url, spoolDir });
        await next.experiment("own-late-next");
        await next.close();
        expectCrashRecovered(emulator, "own-late", mustHave);
        expect(emulator.store.experiments().filter((e) => e.slug === "own-late")).toHaveLength(1);
        // The replay's creation was answered from Syvain's idempotency store: our own 201.
        expect(emulator.counters.idempotentReplays).toBeGreaterThan(replayedBefore);
        expect(writerDirs(spoolDir)).toEqual([]);
      } finally {
        await gate.close();
      }
    });
  }, 60_000);

  it("the slug was an earlier run's: sync adds nothing to that experiment, keeps the run, says why, exits 1; --rename delivers it", async () => {
    await withEmulator(async (emulator) => {
      const earlier = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: false });
      (await earlier.experiment("theirs")).metric("loss", 1, { step: 0 });
      await earlier.close();
      const gate = await startGate(emulator.port);
      const spoolDir = path.join(root, "theirs");
      try {
        await killedWhileHanging(emulator, gate, "theirs", spoolDir);
        gate.open();
        // The held creation reaches Syvain: 409, to nobody.
        await vi.waitFor(() => expect(emulator.counters.requests["createExperiment"]).toBe(2));
        const first = await sync(spoolDir, gate.url, emulator.apiKey);
        expect(first.code, first.output).toBe(1);
        expect(first.output).toMatch(/theirs: \d+ event\(s\) not sent: .*"theirs" already exists/);
        const kept = Number(/theirs: (\d+) metric point\(s\), 0 annotation\(s\), it died running: kept in /.exec(first.output)?.[1]);
        expect(kept, first.output).toBeGreaterThan(0);
        expect(first.output).toContain(`syvain-otel sync --rename theirs=<new-slug> ${spoolDir}`);
        const untouched = (): void => {
          expect(emulator.store.metrics("theirs").map((m) => m.step)).toEqual([0]);
          expect(emulator.store.annotations("theirs")).toEqual([]);
          expect(emulator.store.experiment("theirs")?.status).toBe("created");
        };
        untouched();
        const second = await sync(spoolDir, gate.url, emulator.apiKey);
        expect(second.code, second.output).toBe(1);
        untouched();
        const renamed = await sync(spoolDir, gate.url, emulator.apiKey, ["--rename", "theirs=theirs-2"]);
        expect(renamed.code, renamed.output).toBe(0);
        untouched();
        const steps = emulator.store.metrics("theirs-2").map((m) => m.step);
        expect(steps).toHaveLength(kept);
        expect(new Set(steps).size).toBe(kept);
        expect(emulator.store.experiment("theirs-2")?.status).toBe("failed");
        expect(emulator.store.annotations("theirs-2").map((a) => a.text)).toEqual([expect.stringContaining("ended without finishing")]);
      } finally {
        await gate.close();
      }
    });
  }, 60_000);
});
