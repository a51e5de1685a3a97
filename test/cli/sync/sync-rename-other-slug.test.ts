/**
 * An outside review (10) found: a `--rename OLD=X` cut after part of the run reached X, then `--rename OLD=Y` (another
 * new slug: the listing after the cut names `--rename OLD=<new-slug>` and the cut says "run sync
 * again", not which slug the rename started) delivers the rest into Y, exits 0 ("everything is
 * delivered"), and forgets X in renames.json: one run split over two experiments, X's part left
 * with no status and no note. Now: a rename that made its experiment finishes there (the second
 * command continues into X, and says so); the run is never split.
 */
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Collector } from "../../../src/facade/index.ts";
import { tmpSpoolDir } from "../../delivery/spool/spool-helpers.ts";
import { withEmulator } from "../../exporter/otel/helpers.ts";
import { anotherRunHolds, syncAgainst } from "./sync-helpers.ts";

let spoolDir: string | undefined;
afterEach(() => {
  if (spoolDir !== undefined) fs.rmSync(spoolDir, { recursive: true, force: true });
  spoolDir = undefined;
});

const SLUG = "kept-split";
const POINTS = 3_000;

describe("sync --rename: an interrupted rename re-run under another new slug", () => {
  it("never splits the run over two experiments", async () => {
    await withEmulator(async (emulator) => {
      await anotherRunHolds(emulator, SLUG, 99_999);
      const dir = (spoolDir = tmpSpoolDir());
      const offline = new Collector({ mode: "offline", host: emulator.url, spoolDir: dir });
      const experiment = await offline.experiment(SLUG);
      experiment.start();
      for (let step = 0; step < POINTS; step++) experiment.metric("loss", step, { step });
      experiment.done();
      await offline.close();
      expect((await syncAgainst(emulator, [dir])).code).toBe(1);

      // The first request is stored, the next ones are refused (key rejected): the rename stops part-way.
      emulator.faults.script("ingestMetrics", [{ delayMs: 1 }, { status: 401 }, { status: 401 }, { status: 401 }, { status: 401 }, { status: 401 }]);
      const cut = await syncAgainst(emulator, ["--rename", `${SLUG}=${SLUG}-x`, dir]);
      expect(cut.code).toBe(1);
      const partial = emulator.store.metrics(`${SLUG}-x`).length;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(POINTS);

      emulator.faults.clear();
      const again = await syncAgainst(emulator, ["--rename", `${SLUG}=${SLUG}-y`, dir]);
      const stored = (slug: string): number => (emulator.store.experiments().some((e) => e.slug === slug) ? emulator.store.metrics(slug).length : 0);
      const x = stored(`${SLUG}-x`);
      const y = stored(`${SLUG}-y`);
      // Before the fix: x = 500 (status "created"), y = 2,500 (status "done"), exit 0.
      expect({ x, y, code: again.code }).not.toMatchObject({ x: partial, y: POINTS - partial, code: 0 });
      expect([x, y].filter((n) => n > 0), `x=${x} y=${y}\n${again.stderr}`).toHaveLength(1);
      // The rename that made its experiment finishes there: the whole run, once, with its status.
      expect(x).toBe(POINTS);
      expect(new Set(emulator.store.metrics(`${SLUG}-x`).map((m) => m.step)).size).toBe(POINTS);
      expect(emulator.store.experiment(`${SLUG}-x`)?.status).toBe("done");
      expect(`${again.stdout}${again.stderr}`).toContain(`${SLUG}-x`);
    });
  }, 60_000);
});
