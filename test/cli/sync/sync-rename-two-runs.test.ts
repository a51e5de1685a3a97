/**
 * docs/spool.md "Delivering": "Two kept runs of one slug renamed to one new slug: the first
 * makes it, the second stays kept". Both rename keys are made while the replay reads the backlog
 * (Replay.#experiment -> renameTargets), before the first `create` is sent; so the second run's 409
 * names an experiment created after its key's time, `createdByThisCall` takes it as its own, and
 * the second run's events are merged into the first's new experiment.
 */
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Collector } from "../../../src/facade/index.ts";
import type { Emulator } from "../../../src/testing/index.ts";
import { tmpSpoolDir } from "../../delivery/spool/spool-helpers.ts";
import { withEmulator } from "../../exporter/otel/helpers.ts";
import { anotherRunHolds, syncAgainst } from "./sync-helpers.ts";

let spoolDir: string | undefined;
afterEach(() => {
  if (spoolDir !== undefined) fs.rmSync(spoolDir, { recursive: true, force: true });
  spoolDir = undefined;
});

const SLUG = "kept-twice";

async function offlineRun(emulator: Emulator, dir: string, base: number): Promise<void> {
  const offline = new Collector({ mode: "offline", host: emulator.url, spoolDir: dir });
  const experiment = await offline.experiment(SLUG);
  experiment.start();
  for (let step = base; step < base + 10; step++) experiment.metric("loss", step, { step });
  experiment.done();
  await offline.close();
}

const sync = syncAgainst;

describe("sync --rename of two kept runs of one slug", () => {
  it("the second run stays kept, never merged into the first's new experiment", async () => {
    await withEmulator(async (emulator) => {
      await anotherRunHolds(emulator, SLUG, 9_999);
      const dir = (spoolDir = tmpSpoolDir());
      await offlineRun(emulator, dir, 0);
      await offlineRun(emulator, dir, 100);
      expect((await sync(emulator, [dir])).code).toBe(1);

      const renamed = await sync(emulator, ["--rename", `${SLUG}=${SLUG}-b`, dir]);
      const steps = emulator.store.metrics(`${SLUG}-b`).map((m) => m.step);
      // One run's 10 points only; the other stays kept (exit 1).
      expect(steps.length, `stored in ${SLUG}-b: ${JSON.stringify(steps)}\n${renamed.stderr}`).toBe(10);
      expect(renamed.code).toBe(1);
    });
  }, 30_000);

  it("a rename interrupted before Syvain stored anything, resumed after another run took the new slug: the run stays kept", async () => {
    await withEmulator(async (emulator) => {
      await anotherRunHolds(emulator, SLUG, 9_999);
      const dir = (spoolDir = tmpSpoolDir());
      await offlineRun(emulator, dir, 0);
      expect((await sync(emulator, [dir])).code).toBe(1);
      // The rename's creation never reaches Syvain's store (503s): the key is in renames.json, nothing created.
      emulator.faults.script("createExperiment", Array.from({ length: 30 }, () => ({ status: 503 })));
      expect((await sync(emulator, ["--retries", "1", "--rename", `${SLUG}=${SLUG}-c`, dir])).code).toBe(1);
      emulator.faults.clear();
      expect(emulator.store.experiments().filter((e) => e.slug === `${SLUG}-c`)).toHaveLength(0);
      // Later, another run takes the new slug.
      await new Promise((r) => setTimeout(r, 5));
      await anotherRunHolds(emulator, `${SLUG}-c`, 7_777);

      const resumed = await sync(emulator, ["--rename", `${SLUG}=${SLUG}-c`, dir]);
      expect(emulator.store.metrics(`${SLUG}-c`).map((m) => m.step), resumed.stderr).toEqual([7_777]);
      expect(resumed.code).toBe(1);
    });
  }, 60_000);
});
