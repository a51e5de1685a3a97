/**
 * Runs `spool-job.ts` (a Collector logging steadily) as a child process against an emulator and
 * kills it with SIGKILL at a random moment 1.2-1.8 s after its first point: the spool crash tests'
 * way of making a dead process's leftovers.
 */
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { expect } from "vitest";
import type { Emulator } from "syvain-metrics-otel/testing";
import { startLoggingJob, type LoggedLine, type LoggingJob } from "./logging-job.ts";

const fixture = path.join(import.meta.dirname, "fixtures", "spool-job.ts");

/** Runs the job until the kill and gives the number of points (steps 0 ..) logged >= 1 s before it. */
export async function crashJob(emulator: Emulator, slug: string, mode: "online" | "offline", spoolDir: string): Promise<number> {
  const job = startLoggingJob(fixture, [slug, mode], { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_API_KEY: emulator.apiKey, SYVAIN_METRICS_HOST: emulator.url });
  const mustHave = (await killAfterFirstLine(job, 1200, 600))?.counts[0] ?? 0;
  expect(mustHave, job.stderr()).toBeGreaterThan(0);
  return mustHave;
}

/**
 * Waits for the job's first line, SIGKILLs it `afterMs` plus up to `spreadMs` (random) later, and
 * gives the last line it printed at least 1 s before the kill.
 */
export async function killAfterFirstLine(job: LoggingJob, afterMs: number, spreadMs: number): Promise<LoggedLine | undefined> {
  try {
    for (let waited = 0; job.lines.length === 0; waited += 20) {
      if (waited > 30_000) throw new Error(`the job never logged: ${job.stderr()}`);
      await delay(20);
    }
    await delay(afterMs + Math.random() * spreadMs);
    const killedAt = Date.now();
    job.child.kill("SIGKILL");
    expect(await job.closed).toBe("SIGKILL");
    return job.loggedBefore(killedAt, 1000);
  } finally {
    job.child.kill("SIGKILL");
  }
}

/** Every step below `mustHave` stored once, nothing stored twice, the run `failed` with one recovery note; gives the points stored. */
export function expectCrashRecovered(emulator: Emulator, slug: string, mustHave: number): number {
  const steps = emulator.store.metrics(slug).map((m) => m.step);
  expect(new Set(steps).size).toBe(steps.length);
  const stored = new Set(steps);
  const missing = Array.from({ length: mustHave }, (_, i) => i).filter((s) => !stored.has(s));
  expect(missing).toEqual([]);
  expect(emulator.store.experiment(slug)?.status).toBe("failed");
  const notes = emulator.store.annotations(slug).filter((a) => a.text.startsWith("The run ended without finishing"));
  expect(notes).toHaveLength(1);
  return steps.length;
}
