/**
 * replay-creation-policy.test.ts checks "two deferred creates of one slug ... the second's
 * are kept aside, not merged" with keys that carry no time ("run-create-first"). Real deferred keys
 * are `run-create-<ms>-<uuid>` (runCreationKey), made at the `experiment()` call, i.e. before the
 * replay creates the first run's experiment: the second run's 409 then names an experiment created
 * after its key's time, `createdByThisCall` (rest-destination.ts) takes it as its own, and the
 * second run's events are merged into the first run's experiment.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { openSpool, type Spool } from "../../src/delivery/spool/index.ts";
import { experimentJournal } from "../../src/delivery/journal/experiment-journal.ts";
import { replaySpool } from "../../src/destinations/leftovers/replay.ts";
import { ConflictKeeper } from "../../src/destinations/leftovers/conflict-keeper.ts";
import { runCreationKey } from "../../src/destinations/creation-key.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { markDead, tmpSpoolDir } from "../delivery/spool/spool-helpers.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";

let dir: string;
let spool: Spool | undefined;
afterEach(async () => {
  await spool?.close();
  spool = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const point = (step: number) => ({ client_event_id: `p-${step}`, name: "loss", value: step, step, timestamp: 1_765_000_000_000 + step, metadata: {} });

describe("two deferred creates of one slug with real (timed) keys", () => {
  it("the second run is kept aside, not merged into the first's experiment", async () => {
    await withEmulator(async (emulator) => {
      dir = tmpSpoolDir();
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        for (const run of [1, 2]) {
          const key = runCreationKey(Date.now(), randomUUID()); // as deferCreation makes it, at experiment()
          const dead = await openSpool({ dir, syncIntervalMs: 0 });
          const { journal } = experimentJournal(dead, { slug: "twice", metadata: { run } }, null, false, { policy: "create", key });
          journal.status("running");
          for (let step = 0; step < 4; step++) journal.metric(point(run * 100 + step));
          await dead.close();
          markDead(dead.dir);
          await new Promise((r) => setTimeout(r, 5));
        }
        spool = await openSpool({ dir, syncIntervalMs: 0 });
        await spool.adoptOrphans();
        const result = await replaySpool(spool, client, { keeper: new ConflictKeeper(dir) });
        expect(emulator.store.metrics("twice").map((m) => m.step), JSON.stringify(result.keptRuns)).toEqual([100, 101, 102, 103]);
        expect(result.kept).toBe(4);
      } finally {
        await client.close();
      }
    });
  });
});
