/**
 * How the replay creates an experiment that dead writers name by slug only (`replay.ts`):
 *
 * - a creation record without a policy (older records, offline runs, the exporters) stays
 *   get-or-create: a slug that exists gets the events, as before;
 * - two runs of one slug whose deferred `create`s carry different keys stay two experiments: the
 *   first run's creation makes the experiment, the second's finds the slug taken, and its records
 *   are kept aside (`keptRuns`: copied to the host's `conflicts` folder, then acknowledged), not
 *   merged into the first run's; the spool itself drains;
 * - a Collector's background replay moves such a run aside once and warns once; a later Collector
 *   on the same directory neither reads it again nor warns again.
 */
import fs from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openSpool, type Spool } from "../../src/delivery/spool/index.ts";
import { experimentJournal } from "../../src/delivery/journal/experiment-journal.ts";
import { RecordType } from "../../src/delivery/journal/spool-records.ts";
import { SpoolJournal } from "../../src/delivery/journal/outbox-journal.ts";
import { replaySpool } from "../../src/destinations/leftovers/replay.ts";
import { ConflictKeeper } from "../../src/destinations/leftovers/conflict-keeper.ts";
import { listKeptRuns } from "../../src/destinations/leftovers/kept-runs.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { markDead, tmpSpoolDir } from "../delivery/spool/spool-helpers.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { Collector } from "../../src/facade/index.ts";

let dir: string;
let spool: Spool | undefined;
afterEach(async () => {
  await spool?.close();
  spool = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const point = (step: number) => ({ client_event_id: `p-${step}`, name: "loss", value: step, step, timestamp: 1_765_000_000_000 + step, metadata: {} });

/** A dead writer with `write`'s records, left unacknowledged. */
async function deadWriter(write: (dead: Spool) => void): Promise<void> {
  const dead = await openSpool({ dir, syncIntervalMs: 0 });
  write(dead);
  await dead.close();
  markDead(dead.dir);
}

describe("replay: the creation policy of experiments named by slug only", () => {
  it("a creation record without a policy (as offline runs wrote it, reuse false) is get-or-create: an existing slug gets the events", async () => {
    await withEmulator(async (emulator) => {
      dir = tmpSpoolDir();
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        await client.createExperiment({ slug: "legacy" });
        await deadWriter((dead) => {
          dead.append(RecordType.create, { x: "legacy", i: null, spec: { slug: "legacy", metadata: {} }, reuse: false });
          const journal = new SpoolJournal({ spool: dead, slug: "legacy", experimentId: null });
          for (let step = 0; step < 3; step++) journal.metric(point(step));
        });
        spool = await openSpool({ dir, syncIntervalMs: 0 });
        await spool.adoptOrphans();
        const result = await replaySpool(spool, client);
        expect(result).toMatchObject({ metrics: 3, kept: 0, keptRuns: [] });
        expect(emulator.store.metrics("legacy").map((m) => m.step)).toEqual([0, 1, 2]);
      } finally {
        await client.close();
      }
    });
  });

  it("two deferred creates of one slug (two keys): the first run's events make its experiment, the second's are kept aside, not merged", async () => {
    await withEmulator(async (emulator) => {
      dir = tmpSpoolDir();
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        const spec = { slug: "twice", metadata: { run: 1 } };
        for (const [run, key] of [[1, "run-create-first"], [2, "run-create-second"]] as const) {
          await deadWriter((dead) => {
            const { journal } = experimentJournal(dead, { ...spec, metadata: { run } }, null, false, { policy: "create", key });
            journal.status("running");
            for (let step = 0; step < 4; step++) journal.metric(point(run * 100 + step));
          });
        }
        spool = await openSpool({ dir, syncIntervalMs: 0 });
        await spool.adoptOrphans();
        const result = await replaySpool(spool, client, { keeper: new ConflictKeeper(dir) });
        expect(result).toMatchObject({ experiments: 2, metrics: 4, kept: 4, crashedRuns: 1 });
        expect(result.keptRuns).toEqual([expect.objectContaining({ slug: "twice", events: 4 })]);
        expect(result.keptRuns[0]?.reason.message).toContain('"twice" already exists');
        // Kept, with its `running` status (it died running): 4 points, none lost.
        expect(await listKeptRuns(dir)).toEqual([expect.objectContaining({ slug: "twice", metrics: 4, annotations: 0, status: "failed", crashed: true })]);
        expect(emulator.store.experiment("twice")?.metadata).toEqual({ run: 1 });
        expect(emulator.store.metrics("twice").map((m) => m.step)).toEqual([100, 101, 102, 103]);
        // One crash note and one `failed`: the first run's; the second run's status went nowhere.
        expect(emulator.store.annotations("twice")).toHaveLength(1);
        expect(spool.stats().recordsOnDisk).toBe(0);
      } finally {
        await client.close();
      }
    });
  });

  it("a Collector's background replay of a dead run whose slug is taken keeps it aside, warns once (slug, events, the command), adds nothing; the next Collector is quiet", async () => {
    await withEmulator(async (emulator) => {
      const base = tmpSpoolDir();
      dir = hostSpoolDir(base, emulator.url);
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      const warnings: string[] = [];
      const onWarning = (w: Error): void => void (w.name === "SyvainSpoolWarning" && warnings.push(w.message));
      process.on("warning", onWarning);
      const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: base });
      try {
        await client.createExperiment({ slug: "taken-earlier" });
        await deadWriter((dead) => {
          const { journal } = experimentJournal(dead, { slug: "taken-earlier", metadata: {} }, null, false, { policy: "create", key: "run-create-dead" });
          journal.status("running");
          for (let step = 0; step < 7; step++) journal.metric(point(step));
        });
        await collector.experiment("this-run");
        await collector.close();
        await vi.waitFor(() => expect(warnings.filter((w) => w.includes('"taken-earlier"'))).toHaveLength(1));
        const [warning] = warnings.filter((w) => w.includes('"taken-earlier"'));
        expect(warning).toContain("7 event(s)");
        expect(warning).toContain("already exists");
        expect(warning).toContain(`kept, not sent, in ${dir}/conflicts`);
        expect(warning).toContain(`syvain-otel sync --rename taken-earlier=<new-slug> ${dir}`);
        expect(await listKeptRuns(dir)).toEqual([expect.objectContaining({ slug: "taken-earlier", metrics: 7 })]);
        // A later process on the directory: the kept run is not its to read, ask about or warn about again.
        const next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: base });
        await next.experiment("next-run");
        await next.close();
        expect(warnings.filter((w) => w.includes('"taken-earlier"'))).toHaveLength(1);
        expect(emulator.counters.requests.createExperiment).toBe(4);
        expect(emulator.store.metrics("taken-earlier")).toEqual([]);
        expect(emulator.store.annotations("taken-earlier")).toEqual([]);
        expect(emulator.store.experiment("taken-earlier")?.status).toBe("created");
      } finally {
        process.off("warning", onWarning);
        await collector.close();
        await client.close();
        fs.rmSync(base, { recursive: true, force: true });
      }
    });
  });
});
