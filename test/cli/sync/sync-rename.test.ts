/**
 * `syvain-otel sync` and a run whose slug another run holds (an offline run, ifExists "error"):
 * the sync keeps it aside, sends none of it, says so with the command that delivers it and exits 1,
 * every time until it is delivered (without asking Syvain again); `--dry-run` lists it with its
 * counts; `--rename OLD=NEW` stores every event of the run exactly once in a new experiment, none in
 * the other run's, with the run's status; an interrupted rename resumes into the same experiment.
 */
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { hostSpoolDir } from "../../../src/config/spool-defaults.ts";
import { Collector } from "../../../src/facade/index.ts";
import type { Emulator } from "../../../src/testing/index.ts";
import { tmpSpoolDir, writerDirs } from "../../delivery/spool/spool-helpers.ts";
import { withEmulator } from "../../exporter/otel/helpers.ts";
import { anotherRunHolds, syncAgainst } from "./sync-helpers.ts";

let spoolDir: string | undefined;
afterEach(() => {
  if (spoolDir !== undefined) fs.rmSync(spoolDir, { recursive: true, force: true });
  spoolDir = undefined;
});

const SLUG = "kept-run";
const POINTS = 40;

/** Another run holds `SLUG` (one point); then an offline run of `SLUG` logs 40 points, a note and `done`. */
async function conflictingOfflineRun(emulator: Emulator): Promise<string> {
  await anotherRunHolds(emulator, SLUG, 9_999);
  const dir = (spoolDir = tmpSpoolDir());
  const offline = new Collector({ mode: "offline", host: emulator.url, spoolDir: dir });
  const experiment = await offline.experiment(SLUG);
  experiment.start();
  for (let step = 0; step < POINTS; step++) experiment.metric("loss", step, { step });
  experiment.annotation("offline run");
  experiment.done();
  await offline.close();
  return dir;
}

const sync = syncAgainst;

function otherRunUntouched(emulator: Emulator): void {
  expect(emulator.store.metrics(SLUG).map((m) => m.step)).toEqual([9_999]);
  expect(emulator.store.annotations(SLUG)).toEqual([]);
  expect(emulator.store.experiment(SLUG)?.status).toBe("created");
}

/** Every point of the offline run stored exactly once under `slug`, with its note and status. */
function deliveredOnce(emulator: Emulator, slug: string): void {
  const steps = emulator.store.metrics(slug).map((m) => m.step);
  expect(steps).toHaveLength(POINTS);
  expect(new Set(steps).size).toBe(POINTS);
  expect(emulator.store.annotations(slug).map((a) => a.text)).toEqual(["offline run"]);
  expect(emulator.store.experiment(slug)?.status).toBe("done");
  expect(emulator.store.experiments().filter((e) => e.slug === slug)).toHaveLength(1);
}

describe("sync: a run kept aside because another run holds its slug", () => {
  it("is kept, listed with the command that delivers it, exit 1 until `--rename` stores it once under the new slug", async () => {
    await withEmulator(async (emulator) => {
      const dir = await conflictingOfflineRun(emulator);
      const keptDir = `${hostSpoolDir(dir, emulator.url)}/conflicts`;
      const command = `syvain-otel sync --rename ${SLUG}=<new-slug> ${dir}`;

      const first = await sync(emulator, [dir]);
      expect(first.code, first.stderr).toBe(1);
      expect(first.stderr).toContain(`${SLUG}: ${POINTS + 1} event(s) not sent: experiment slug "${SLUG}" already exists`);
      expect(first.stderr).toContain(`${SLUG}: ${POINTS} metric point(s), 1 annotation(s), status done: kept in ${keptDir}, not sent: another run holds the slug; to deliver them under a new slug: ${command}`);
      expect(first.stderr).toContain("NOT everything is delivered");
      otherRunUntouched(emulator);

      const dry = await sync(emulator, ["--dry-run", dir]);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain(`${SLUG}: ${POINTS} metric point(s), 1 annotation(s), status done: kept in ${keptDir}`);
      expect(dry.stdout).toContain(command);

      // Again: still kept and said, without asking Syvain about it again.
      const creates = emulator.counters.requests["createExperiment"];
      const again = await sync(emulator, [dir]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(command);
      expect(emulator.counters.requests["createExperiment"]).toBe(creates);

      expect((await sync(emulator, ["--rename", `${SLUG}=${SLUG}`, dir])).code).toBe(2);
      expect((await sync(emulator, ["--rename", `${SLUG}= padded`, dir])).code).toBe(2);
      const unknown = await sync(emulator, ["--rename", "nope=other", dir]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no run kept aside has the slug "nope"');

      const renamed = await sync(emulator, ["--rename", `${SLUG}=${SLUG}-b`, dir]);
      expect(renamed.code, renamed.stderr).toBe(0);
      deliveredOnce(emulator, `${SLUG}-b`);
      otherRunUntouched(emulator);

      const after = await sync(emulator, [dir]);
      expect(after.code, after.stderr).toBe(0);
      expect(after.stderr).not.toContain("kept in");
      deliveredOnce(emulator, `${SLUG}-b`);
      expect(writerDirs(dir)).toEqual([]);
    });
  }, 30_000);

  it("a rename interrupted after Syvain created the new experiment resumes into that experiment, not a second one", async () => {
    await withEmulator(async (emulator) => {
      const dir = await conflictingOfflineRun(emulator);
      expect((await sync(emulator, [dir])).code).toBe(1);
      // The creation is stored but answered 503 (Syvain keeps no answer for the key); then the key is rejected mid-way.
      emulator.faults.script("createExperiment", [{ storeThenFail: 503 }]);
      emulator.faults.script("ingestMetrics", [{ status: 401 }]);
      const cut = await sync(emulator, ["--rename", `${SLUG}=${SLUG}-c`, dir]);
      expect(cut.code).toBe(1);
      expect(emulator.store.experiments().filter((e) => e.slug === `${SLUG}-c`)).toHaveLength(1);
      expect(emulator.store.metrics(`${SLUG}-c`)).toHaveLength(0);

      const resumed = await sync(emulator, ["--rename", `${SLUG}=${SLUG}-c`, dir]);
      expect(resumed.code, resumed.stderr).toBe(0);
      deliveredOnce(emulator, `${SLUG}-c`);
      otherRunUntouched(emulator);
    });
  }, 30_000);
});
