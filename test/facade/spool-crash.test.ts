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
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "syvain-metrics-otel/testing";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { Collector } from "../../src/facade/index.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { crashJob, expectCrashRecovered } from "./crash-job.ts";

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
  const stored = expectCrashRecovered(emulator, slug, mustHave);
  outcomes.set(scenario, [...(outcomes.get(scenario) ?? []), { mustHave, stored }]);
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
          // During the outage nothing was acknowledged, so the next Collector must have resumed
          // points; with Syvain up the job may have delivered every point before the kill (it
          // flushes faster than the spool writes), leaving only the run's `running` record.
          if (scenario === "outage") expect(next.stats().spool?.resumed).toBeGreaterThan(0);
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
