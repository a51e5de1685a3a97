/**
 * the re-read of a given-up replay (b12f091, spool.requeueUnsettled) in a long-running
 * process. A crashed run's recovery note reached Syvain but its `failed` status did not (3 x 503);
 * the next round re-reads the `running` record and sends the note again under the same
 * Idempotency-Key (derived from the note's id) but with a new body (recovery-annotation.ts
 * `timestamp: Date.now()`): 422 idempotency_key_reused, not retryable, and every later round
 * stops the same way: the run is never marked failed and its status record never leaves the disk.
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

describe("a re-read replay of a crashed run whose failed status did not get through", () => {
  it("marks the run failed once Syvain takes status updates again", async () => {
    await withEmulator(async (emulator) => {
      dir = tmpSpoolDir();
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        const created = await client.createExperiment({ slug: "crashed-run" });
        // The dead process: started the run, queued 10 points, died.
        await crashedWriter(dir, { slug: "crashed-run", experimentId: created.id, metrics: 10 });

        spool = await openSpool({ dir, syncIntervalMs: 0 });
        await spool.adoptOrphans();
        const recovered = new Map<string, Recovered>();
        emulator.faults.random("updateExperiment", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
        const first = await replaySpool(spool, client, { maxAttempts: 1, recovered });
        expect(first.stoppedBy).toBeDefined(); // the status PATCH got 503
        expect(emulator.store.annotations("crashed-run")).toHaveLength(1); // the note did get through
        emulator.faults.clear();
        await new Promise((resolve) => setTimeout(resolve, 5));

        // The next adoption round of the same process (spool-session.ts #resumeLeftovers).
        expect(spool.requeueUnsettled()).toBe(1);
        const second = await replaySpool(spool, client, { maxAttempts: 3, recovered });
        expect(second.stoppedBy?.message).toBeUndefined(); // fails: Idempotency-Key reused with a different body
        expect(emulator.store.experiment("crashed-run")?.status).toBe("failed");
        expect(emulator.store.annotations("crashed-run")).toHaveLength(1);
      } finally {
        await client.close();
      }
    });
  }, 30_000);
});
