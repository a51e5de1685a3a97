/**
 * Loss-accounting soak: `npm run soak -- --minutes N` (default 1; `--seconds N` for short runs).
 *
 * The emulator runs as a child process with `--data-file`; random faults (statuses, resets,
 * store-then-fail, slow answers) are injected over its admin route and changed every few seconds;
 * it is restarted once, halfway. Meanwhile several facade jobs, an OTel SDK job and a bridge sender
 * produce at a training loop's pace; the facade jobs and the OTel job each have a spool directory
 * (in the run's temporary directory). At the end the faults are cleared, every source drains and
 * closes, what a spool still holds is synced (as `syvain-otel sync` would), the stored data is read
 * back through the REST API and compared with what each source sent.
 * Exit 0 only if every sent event is stored exactly once (or is missing but counted as dropped with
 * a reason, or left in its spool), the facade experiments ended `done`, and the run stayed within
 * its request bound.
 * Loopback only. Exit 1: accounting failed; 2: bad flags; 3: the run overran its time bound.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createSyvainClient } from "../src/client/create-client.ts";
import { SyvainValidationError } from "../src/api/errors.ts";
import { createBridgeJob } from "./bridge-job.ts";
import { EmulatorChild } from "./emulator-child.ts";
import { createFacadeJob } from "./facade-job.ts";
import { seededRandom } from "../src/testing/seeded-random.ts";
import { randomFaultPlan } from "./fault-plans.ts";
import { createOtelJob } from "./otel-job.ts";
import type { SoakJob } from "./job.ts";
import { checkSource, type SourceReport } from "./ledger.ts";
import { readStored } from "./read-back.ts";
import { noSpool, syncLeftovers } from "./spool-sync.ts";
import { formatTable } from "./report.ts";
import { parseSoakArgs, type SoakOptions } from "./soak-options.ts";

const FAULT_PLAN_EVERY_MS = 3_000;
/** Time allowed after production for draining, reading back and stopping. */
const WIND_DOWN_SECONDS = 240;
/** Requests to the emulator per second of production (a retry storm would blow it; normal is ~50/s). */
const MAX_REQUESTS_PER_SECOND = 400;

const log = (message: string): void => {
  process.stderr.write(`soak: ${message}\n`);
};

async function soak(options: SoakOptions, emulator: EmulatorChild, spoolRoot: string): Promise<boolean> {
  const runId = `${Date.now().toString(36)}-${options.seed}`;
  const random = seededRandom(options.seed);
  await emulator.start();
  log(`emulator at ${emulator.url}, seed ${options.seed}, ${options.seconds} s, run ${runId}`);
  const target = { runId, host: emulator.url, apiKey: emulator.apiKey };
  try {
    const facadeJobs = await Promise.all(Array.from({ length: options.facadeJobs }, (_, i) => createFacadeJob({ ...target, spoolRoot, index: i + 1 })));
    const bridgeJob = await createBridgeJob(target);
    const jobs: SoakJob[] = [...facadeJobs, createOtelJob({ ...target, spoolRoot }), bridgeJob];

    await emulator.setFaults(randomFaultPlan(random));
    const producing = jobs.map((job) => job.produce());
    const end = Date.now() + options.seconds * 1000;
    let restarted = false;
    while (Date.now() < end) {
      await sleep(Math.min(FAULT_PLAN_EVERY_MS, Math.max(end - Date.now(), 0)));
      if (!restarted && Date.now() >= end - (options.seconds * 1000) / 2) {
        restarted = true;
        log("restarting the emulator (SIGTERM, same port, same data file)");
        await emulator.restart();
      }
      if (Date.now() < end) await emulator.setFaults(randomFaultPlan(random));
    }
    for (const job of jobs) job.stop();
    await Promise.all(producing);
    log("production stopped; clearing faults and draining");
    await emulator.setFaults({});
    const counts = await Promise.all(jobs.map((job) => job.drain()));

    const client = createSyvainClient({ host: emulator.url, apiKey: emulator.apiKey });
    const reports: SourceReport[] = [];
    try {
      log("syncing what the jobs' spools still hold");
      const spools = await Promise.all(jobs.map((job) => (job.spoolDir === undefined ? Promise.resolve(noSpool) : syncLeftovers(job.spoolDir, client))));
      log("reading the stored data back");
      for (const [i, job] of jobs.entries()) {
        const stored = await readStored(client, job.slug);
        if (options.selfTestLoseOne && i === 0) loseOne(stored.metrics);
        const report = checkSource(job.source, job.slug, job.ledger, stored, counts[i]!, spools[i]);
        if (job.source.startsWith("facade")) {
          const status = (await client.getExperiment(job.slug)).status;
          if (status !== "done") reports.push({ ...report, ok: false, reasons: [...report.reasons, `experiment status is ${status}, expected done`] });
          else reports.push(report);
        } else reports.push(report);
      }
    } finally {
      await client.close();
    }

    const server = await emulator.totals();
    process.stdout.write(formatTable(reports));
    const maxRequests = Math.ceil(options.seconds * MAX_REQUESTS_PER_SECOND) + 5_000;
    const { status, delay, reset, storeThenFail } = server.faultsByKind;
    process.stdout.write(
      `server: ${server.requests} API requests (bound ${maxRequests}), ${server.faultsInjected} faults injected ` +
        `(${status} statuses, ${reset} resets, ${storeThenFail} store-then-fail, ${delay} slow answers), ` +
        `${server.duplicatesSuppressed} duplicates suppressed, ${emulator.starts - 1} restart(s), bridge warnings ${bridgeJob.bridgeLog.warnings}\n`,
    );
    const withinBound = server.requests <= maxRequests;
    const ok = reports.every((r) => r.ok) && withinBound && restarted;
    if (!withinBound) process.stdout.write(`FAIL: more requests than the bound: a retry storm?\n`);
    if (!restarted) process.stdout.write(`FAIL: the emulator was not restarted\n`);
    process.stdout.write(ok ? "soak: every sent event is stored exactly once or accounted for\n" : "soak: FAILED\n");
    return ok;
  } finally {
    await emulator.stop();
  }
}

/** Self-test only: forget one stored metric event, so the check must report it missing. */
function loseOne(metrics: Map<string, number>): void {
  const [key] = metrics.keys();
  if (key === undefined) throw new Error("soak self-test: nothing stored to lose");
  metrics.delete(key);
  log(`SELF-TEST: deleted stored event ${key} from the read-back before the check`);
}

let options: SoakOptions;
try {
  options = parseSoakArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof SyvainValidationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const dir = await mkdtemp(join(tmpdir(), "syvain-soak-"));
const emulator = new EmulatorChild(join(dir, "emulator-data.json"));
const watchdog = setTimeout(() => {
  log(`did not finish within ${options.seconds + WIND_DOWN_SECONDS} s: FAILED`);
  emulator.kill();
  process.exit(3);
}, (options.seconds + WIND_DOWN_SECONDS) * 1000);
try {
  process.exitCode = (await soak(options, emulator, join(dir, "spool"))) ? 0 : 1;
} finally {
  clearTimeout(watchdog);
  await rm(dir, { recursive: true, force: true });
}
