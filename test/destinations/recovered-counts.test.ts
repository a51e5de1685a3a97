/**
 * spool-session.ts keeps `#recovered` (per slug + id, events delivered by replays) for
 * the process's lifetime and never clears an entry once its run's status is settled. A later crash
 * of the same experiment (a resumed run: ifExists "reuse"), replayed by a later round of the same
 * long-running process, gets a recovery note that counts the earlier crash's events too.
 */
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { openSpool, type Spool } from "../../src/delivery/spool/index.ts";
import { replaySpool, type Recovered } from "../../src/destinations/leftovers/replay.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { tmpSpoolDir } from "../delivery/spool/spool-helpers.ts";
import { crashedWriter } from "./crashed-writer.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";

let dir: string;
let spool: Spool | undefined;
afterEach(async () => {
  await spool?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});


describe("recovery notes of two crashes of one experiment, replayed by two rounds of one process", () => {
  it("each note counts its own crash's events", async () => {
    await withEmulator(async (emulator) => {
      dir = tmpSpoolDir();
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        const created = await client.createExperiment({ slug: "resumed" });
        const recovered = new Map<string, Recovered>(); // spool-session.ts #recovered: one per process
        spool = await openSpool({ dir, syncIntervalMs: 0 });
        await crashedWriter(dir, { slug: "resumed", experimentId: created.id, metrics: 100 });
        await spool.adoptOrphans();
        await replaySpool(spool, client, { recovered });
        // The run is resumed (reuse), then crashes again; the next round replays it.
        await client.updateExperimentStatus(created.id, "running");
        await crashedWriter(dir, { slug: "resumed", experimentId: created.id, first: 100, metrics: 30 });
        await spool.adoptOrphans();
        spool.requeueUnsettled();
        await replaySpool(spool, client, { recovered });
        const notes = emulator.store.annotations("resumed").map((a) => a.metadata as { recovered_metrics: number });
        expect(notes.map((m) => m.recovered_metrics)).toEqual([100, 30]); // fails: [100, 130]
      } finally {
        await client.close();
      }
    });
  }, 30_000);
});
