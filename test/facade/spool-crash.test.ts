/**
 * The Collector's spool against real crashes: a child process logs steadily and is killed with
 * SIGKILL at a random moment; afterwards (the next Collector on the same directory, or
 * `deliverLeftovers`, as `syvain-otel sync` calls it) every point logged at least 1 s before the
 * kill is stored exactly once, and the run ends `failed` with a recovery annotation. Three
 * scenarios: Syvain up, Syvain down during the run (an outage), and offline mode.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { Collector } from "../../src/facade/index.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "spool-job.ts");
// 3 per scenario in the suite; `SPOOL_CRASH_TRIALS=20 npx vitest run test/facade/spool-crash.test.ts` is the long run.
const TRIALS = Number(process.env.SPOOL_CRASH_TRIALS ?? 3);
let emulator: Emulator;
let root: string;

beforeAll(async () => {
  emulator = await startEmulator();
  root = mkdtempSync(path.join(tmpdir(), "syvain-spool-crash-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(root, { recursive: true, force: true });
});

/** Runs the job until a random moment 1.2-1.8 s after its first point, then SIGKILLs it. */
async function crashJob(slug: string, mode: "online" | "offline", spoolDir: string): Promise<{ mustHave: number; logged: number }> {
  const child = spawn(process.execPath, ["--conditions=syvain-source", fixture, slug, mode], {
    env: { ...process.env, SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_API_KEY: emulator.apiKey, SYVAIN_METRICS_HOST: emulator.url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const progress: { count: number; at: number }[] = [];
  let stderr = "";
  let buffered = "";
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      const [, count, at] = line.split(" ");
      progress.push({ count: Number(count), at: Number(at) });
    }
  });
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, signal) => resolve(signal)));
  for (let waited = 0; progress.length === 0; waited += 20) {
    if (waited > 20_000) throw new Error(`the job never logged: ${stderr}`);
    await delay(20);
  }
  await delay(1200 + Math.random() * 600);
  const killedAt = Date.now();
  child.kill("SIGKILL");
  expect(await closed).toBe("SIGKILL");
  const mustHave = progress.filter((p) => p.at <= killedAt - 1000).at(-1)?.count ?? 0;
  return { mustHave, logged: progress.at(-1)?.count ?? 0 };
}

/** Every step below `mustHave` stored once; nothing stored twice; the run failed with a note. */
function expectRecovered(slug: string, mustHave: number): void {
  const steps = emulator.store.metrics(slug).map((m) => m.step);
  expect(new Set(steps).size).toBe(steps.length);
  const stored = new Set(steps);
  const missing = Array.from({ length: mustHave }, (_, i) => i).filter((s) => !stored.has(s));
  expect(missing).toEqual([]);
  expect(emulator.store.experiment(slug)?.status).toBe("failed");
  const notes = emulator.store.annotations(slug).filter((a) => a.text.startsWith("The run ended without finishing"));
  expect(notes).toHaveLength(1);
}

describe("kill -9, then the next Collector on the same spool directory", () => {
  for (const scenario of ["syvain up", "outage"] as const) {
    it(`${scenario}: every point logged >= 1 s before the kill is stored exactly once, the run ends failed`, async () => {
      for (let trial = 0; trial < TRIALS; trial++) {
        const spoolDir = path.join(root, `${scenario.replace(" ", "-")}-${trial}`);
        const slug = `crash-${scenario.replace(" ", "-")}-${trial}`;
        if (scenario === "outage") emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503 }] });
        const { mustHave } = await crashJob(slug, "online", spoolDir);
        emulator.faults.clear();
        expect(mustHave).toBeGreaterThan(0);
        const next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
        await next.experiment(`${slug}-next`);
        await next.close();
        expectRecovered(slug, mustHave);
        expect(next.stats().spool?.crashedRuns).toBe(1);
        expect(next.stats().spool?.resumed).toBeGreaterThan(0);
      }
    });
  }
});

describe("offline mode, then deliverLeftovers (what `syvain-otel sync` runs)", () => {
  it("creates the experiment, stores every point logged >= 1 s before the kill once, marks the run failed", async () => {
    const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        const spoolDir = path.join(root, `offline-${trial}`);
        const slug = `crash-offline-${trial}`;
        const { mustHave } = await crashJob(slug, "offline", spoolDir);
        expect(emulator.store.experiment(slug)).toBeUndefined(); // offline: nothing was sent
        const dry = await deliverLeftovers({ spoolDir, client, dryRun: true });
        expect(dry.adoptedDirs).toBe(1);
        expect(emulator.store.experiment(slug)).toBeUndefined();
        const result = await deliverLeftovers({ spoolDir, client });
        expect(result).toMatchObject({ adoptedDirs: 1, experiments: 1, crashedRuns: 1, stoppedBy: undefined, remaining: 0 });
        expect(result.metrics).toBeGreaterThanOrEqual(mustHave);
        expectRecovered(slug, mustHave);
        // A second sync finds nothing left: the acknowledged segments are gone.
        const again = await deliverLeftovers({ spoolDir, client });
        expect(again).toMatchObject({ adoptedDirs: 0, metrics: 0, crashedRuns: 0 });
      }
    } finally {
      await client.close();
    }
  });
});
