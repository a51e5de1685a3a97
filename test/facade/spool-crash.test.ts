/**
 * The Collector's spool against real crashes: a child process logs steadily and is killed with
 * SIGKILL at a random moment; afterwards (the next Collector on the same directory, or
 * `deliverLeftovers`, as `syvain-otel sync` calls it) every point logged at least 1 s before the
 * kill is stored exactly once, and the run ends `failed` with a recovery annotation. Three
 * scenarios: Syvain up, Syvain down during the run (an outage), and offline mode; 20 trials each,
 * every trial with its own emulator (so an outage's faults hit one trial only) and spool
 * directory, a few at a time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/testing/index.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { Collector } from "../../src/facade/index.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { startLoggingJob } from "./logging-job.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "spool-job.ts");
// The 20 kills per scenario; SPOOL_CRASH_TRIALS / SPOOL_CRASH_PARALLEL change the count and how many run at once.
const TRIALS = Number(process.env.SPOOL_CRASH_TRIALS ?? 20);
const PARALLEL = Number(process.env.SPOOL_CRASH_PARALLEL ?? 4);
const SCENARIO_TIMEOUT_MS = 180_000;
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-spool-crash-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `trial(0 .. count-1)`, at most `limit` at a time; rejects with the first failure once all settled. */
async function trials(count: number, limit: number, trial: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    for (let index = next++; index < count; index = next++) await trial(index).catch((error: unknown) => void failures.push(error));
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  if (failures.length > 0) throw failures[0];
}

/** Runs the job until a random moment 1.2-1.8 s after its first point, SIGKILLs it, and gives the points logged >= 1 s before. */
async function crashJob(emulator: Emulator, slug: string, mode: "online" | "offline", spoolDir: string): Promise<number> {
  const job = startLoggingJob(fixture, [slug, mode], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_API_KEY: emulator.apiKey, SYVAIN_METRICS_HOST: emulator.url });
  try {
    for (let waited = 0; job.lines.length === 0; waited += 20) {
      if (waited > 30_000) throw new Error(`the job never logged: ${job.stderr()}`);
      await delay(20);
    }
    await delay(1200 + Math.random() * 600);
    const killedAt = Date.now();
    job.child.kill("SIGKILL");
    expect(await job.closed).toBe("SIGKILL");
    const mustHave = job.loggedBefore(killedAt, 1000)?.counts[0] ?? 0;
    expect(mustHave, job.stderr()).toBeGreaterThan(0);
    return mustHave;
  } finally {
    job.child.kill("SIGKILL");
  }
}

/** Per scenario, what each trial had to keep and what was stored: printed once the scenario is done. */
const outcomes = new Map<string, { mustHave: number; stored: number }[]>();
afterAll(() => {
  for (const [scenario, list] of outcomes) {
    const sum = (pick: (o: { mustHave: number; stored: number }) => number): number => list.reduce((n, o) => n + pick(o), 0);
    console.info(
      `spool crash trials, ${scenario}: ${list.length} kills; ${sum((o) => o.mustHave)} points logged >= 1 s before a kill, all stored exactly once; ` +
        `${sum((o) => o.stored)} stored in all (points logged in the last second are kept when they reached the disk)`,
    );
  }
});

/** Every step below `mustHave` stored once; nothing stored twice; the run failed with a note. */
function expectRecovered(emulator: Emulator, slug: string, mustHave: number, scenario: string): void {
  const steps = emulator.store.metrics(slug).map((m) => m.step);
  expect(new Set(steps).size).toBe(steps.length);
  const stored = new Set(steps);
  const missing = Array.from({ length: mustHave }, (_, i) => i).filter((s) => !stored.has(s));
  expect(missing).toEqual([]);
  expect(emulator.store.experiment(slug)?.status).toBe("failed");
  const notes = emulator.store.annotations(slug).filter((a) => a.text.startsWith("The run ended without finishing"));
  expect(notes).toHaveLength(1);
  outcomes.set(scenario, [...(outcomes.get(scenario) ?? []), { mustHave, stored: steps.length }]);
}

describe("kill -9, then the next Collector on the same spool directory", () => {
  for (const scenario of ["syvain up", "outage"] as const) {
    it(`${scenario}: every point logged >= 1 s before the kill is stored exactly once, the run ends failed (${TRIALS} trials)`, async () => {
      const name = scenario.replace(" ", "-");
      await trials(TRIALS, PARALLEL, (trial) =>
        withEmulator(async (emulator) => {
          const spoolDir = path.join(root, `${name}-${trial}`);
          const slug = `crash-${name}-${trial}`;
          if (scenario === "outage") emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503 }] });
          const mustHave = await crashJob(emulator, slug, "online", spoolDir);
          emulator.faults.clear();
          const next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
          await next.experiment(`${slug}-next`);
          await next.close();
          expectRecovered(emulator, slug, mustHave, scenario);
          expect(next.stats().spool?.crashedRuns).toBe(1);
          expect(next.stats().spool?.resumed).toBeGreaterThan(0);
        }),
      );
    }, SCENARIO_TIMEOUT_MS);
  }
});

describe("offline mode, then deliverLeftovers (what `syvain-otel sync` runs)", () => {
  it(`creates the experiment, stores every point logged >= 1 s before the kill once, marks the run failed (${TRIALS} trials)`, async () => {
    await trials(TRIALS, PARALLEL, (trial) =>
      withEmulator(async (emulator) => {
        const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
        try {
          const spoolDir = path.join(root, `offline-${trial}`);
          const slug = `crash-offline-${trial}`;
          const mustHave = await crashJob(emulator, slug, "offline", spoolDir);
          expect(emulator.store.experiment(slug)).toBeUndefined(); // offline: nothing was sent
          const dry = await deliverLeftovers({ spoolDir, client, dryRun: true });
          expect(dry.adoptedDirs).toBe(1);
          expect(emulator.store.experiment(slug)).toBeUndefined();
          const result = await deliverLeftovers({ spoolDir, client });
          expect(result).toMatchObject({ adoptedDirs: 1, experiments: 1, crashedRuns: 1, stoppedBy: undefined, remaining: 0 });
          expect(result.metrics).toBeGreaterThanOrEqual(mustHave);
          expectRecovered(emulator, slug, mustHave, "offline");
          // A second sync finds nothing left: the acknowledged segments are gone.
          const again = await deliverLeftovers({ spoolDir, client });
          expect(again).toMatchObject({ adoptedDirs: 0, metrics: 0, crashedRuns: 0 });
        } finally {
          await client.close();
        }
      }),
    );
  }, SCENARIO_TIMEOUT_MS);
});
