/**
 * An offline run (`mode: "offline"`) with `ifExists: "error"` (the default) whose slug another run
 * holds by the time it is synced: the sync creates it as the run asked, a `create`, so the 409 is a
 * conflict, and the run's events are never added to the other run's experiment (before, an
 * offline creation record had no policy and the sync got-or-created: the events landed in the
 * other run's experiment). Also when the other run created the slug after the offline run started:
 * an offline creation first reaches Syvain with the sync, so "created after the call started" does
 * not make an experiment ours. The run is kept aside, whole.
 */
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { tmpSpoolDir } from "../delivery/spool/spool-helpers.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import type { Emulator } from "../../src/testing/index.ts";

let base: string | undefined;
afterEach(() => {
  if (base !== undefined) fs.rmSync(base, { recursive: true, force: true });
  base = undefined;
});

/** An offline run of `slug`: 40 points, an annotation, `done`, in its own spool directory. */
async function offlineRun(emulator: Emulator, slug: string, between?: () => Promise<void>): Promise<string> {
  const spoolDir = (base = tmpSpoolDir());
  const collector = new Collector({ mode: "offline", host: emulator.url, spoolDir });
  const experiment = await collector.experiment(slug);
  await between?.();
  experiment.start();
  for (let step = 0; step < 40; step++) experiment.metric("loss", step, { step });
  experiment.annotation("offline run");
  experiment.done();
  await collector.close();
  return spoolDir;
}

/** Another run's experiment of `slug`, online, with one point. */
async function otherRun(emulator: Emulator, slug: string): Promise<void> {
  const other = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: false });
  const experiment = await other.experiment(slug);
  experiment.metric("loss", -1, { step: 9_999 });
  await other.close();
}

function untouched(emulator: Emulator, slug: string): void {
  expect(emulator.store.metrics(slug).map((m) => m.step)).toEqual([9_999]);
  expect(emulator.store.annotations(slug)).toEqual([]);
  expect(emulator.store.experiment(slug)?.status).toBe("created");
  expect(emulator.store.experiments().filter((e) => e.slug === slug)).toHaveLength(1);
}

describe("offline run, ifExists error, slug taken by another run at sync time", () => {
  for (const when of ["before the offline run started", "while the offline run was running"] as const) {
    it(`adds nothing to the other run's experiment (slug taken ${when})`, async () => {
      await withEmulator(async (emulator) => {
        const slug = "offline-taken";
        if (when === "before the offline run started") await otherRun(emulator, slug);
        const spoolDir = await offlineRun(emulator, slug, when === "before the offline run started" ? undefined : () => otherRun(emulator, slug));
        const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
        try {
          const synced = await deliverLeftovers({ spoolDir, client });
          expect(synced).toMatchObject({ metrics: 0, annotations: 0, statusUpdates: 0, crashedRuns: 0, kept: 41 });
          // Kept, not lost: every event, for `sync --rename` (sync-rename.test.ts).
          expect(synced.keptAside).toEqual([expect.objectContaining({ slug, metrics: 40, annotations: 1, status: "done" })]);
        } finally {
          await client.close();
        }
        untouched(emulator, slug);
      });
    });
  }

  it("its OTel view's records carry the run's key: kept with the run, not got-or-created into the other run's experiment", async () => {
    await withEmulator(async (emulator) => {
      const slug = "offline-view";
      await otherRun(emulator, slug);
      const spoolDir = (base = tmpSpoolDir());
      const collector = new Collector({ mode: "offline", host: emulator.url, spoolDir });
      const experiment = await collector.experiment(slug);
      const loggerProvider = experiment.createLoggerProvider();
      for (let i = 0; i < 3; i++) loggerProvider.getLogger("job").emit({ body: `view note ${i}` });
      await loggerProvider.shutdown();
      experiment.metric("loss", 1, { step: 1 });
      await collector.close();
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        const synced = await deliverLeftovers({ spoolDir, client });
        expect(synced).toMatchObject({ metrics: 0, annotations: 0, kept: 4 });
        // One run, kept whole: the view's notes are grouped with it (same slug and key), not a run of their own.
        expect(synced.keptAside).toEqual([expect.objectContaining({ slug, metrics: 1, annotations: 3 })]);
      } finally {
        await client.close();
      }
      untouched(emulator, slug);
    });
  });

  it("ifExists reuse offline still adds to the existing experiment, as the run asked", async () => {
    await withEmulator(async (emulator) => {
      await otherRun(emulator, "offline-reuse");
      const spoolDir = (base = tmpSpoolDir());
      const collector = new Collector({ mode: "offline", host: emulator.url, spoolDir });
      const experiment = await collector.experiment("offline-reuse", { ifExists: "reuse" });
      for (let step = 0; step < 5; step++) experiment.metric("loss", step, { step });
      await collector.close();
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        expect(await deliverLeftovers({ spoolDir, client })).toMatchObject({ metrics: 5 });
      } finally {
        await client.close();
      }
      expect(emulator.store.metrics("offline-reuse").map((m) => m.step)).toEqual([9_999, 0, 1, 2, 3, 4]);
    });
  });
});
