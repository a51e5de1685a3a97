/**
 * A replay's progress says how far through the spool it is. Its event total cannot be known before
 * every segment is read, so "sent of total events" always read 100 % (the total grew with what was
 * read); the bytes of the adopted segments are known at adoption, so progress is given in bytes
 * read of bytes adopted: below 100 % while records are left, exactly 100 % at the end.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSpool, type Spool } from "../../src/delivery/spool/index.ts";
import { replaySpool } from "../../src/destinations/leftovers/replay.ts";
import type { LeftoverCounts } from "../../src/destinations/leftovers/replay-counts.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { segmentFiles, tmpSpoolDir } from "../delivery/spool/spool-helpers.ts";
import { crashedWriter } from "./crashed-writer.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";

let dir: string;
let spool: Spool | undefined;
afterEach(async () => {
  await spool?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});


describe("replay progress", () => {
  it("counts bytes read of the bytes adopted: below 100 % while records are left, all of them at the end", async () => {
    await withEmulator(async (emulator) => {
      dir = tmpSpoolDir();
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        const created = await client.createExperiment({ slug: "progress" });
        const writer = await crashedWriter(dir, { slug: "progress", experimentId: created.id, metrics: 3000, running: false, segmentBytes: 128 * 1024 });
        const segments = segmentFiles(writer);
        expect(segments.length).toBeGreaterThan(1); // progress must cross segment boundaries
        const adoptedBytes = segments.reduce((n, f) => n + fs.statSync(path.join(writer, f)).size, 0);
        spool = await openSpool({ dir, syncIntervalMs: 0 });
        await spool.adoptOrphans();
        const seen: { sent: number; read: number; total: number }[] = [];
        const result = await replaySpool(spool, client, {
          onProgress: (counts: LeftoverCounts, bytes) => seen.push({ sent: counts.metrics, read: bytes.read, total: bytes.total }),
        });
        expect(result.metrics).toBe(3000);
        expect(seen.length).toBeGreaterThanOrEqual(6); // a batch of 500 at a time
        expect(new Set(seen.map((s) => s.total))).toEqual(new Set([adoptedBytes]));
        expect(seen[0]!.read).toBeLessThan(adoptedBytes / 2); // the first batch is early in the spool
        for (let i = 1; i < seen.length; i++) expect(seen[i]!.read).toBeGreaterThanOrEqual(seen[i - 1]!.read);
        expect(seen.at(-1)!.read).toBe(adoptedBytes);
      } finally {
        await client.close();
      }
    });
  }, 30_000);

  it("a replay that stopped partway: the next round's progress goes on from there and ends at all the bytes", async () => {
    await withEmulator(async (emulator) => {
      dir = tmpSpoolDir();
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        const created = await client.createExperiment({ slug: "progress-again" });
        const writer = await crashedWriter(dir, { slug: "progress-again", experimentId: created.id, metrics: 3000, running: false, segmentBytes: 128 * 1024 });
        const adoptedBytes = segmentFiles(writer).reduce((n, f) => n + fs.statSync(path.join(writer, f)).size, 0);
        spool = await openSpool({ dir, syncIntervalMs: 0 });
        await spool.adoptOrphans();
        // The first round: the first batch goes through, then Syvain refuses (503) and the round gives up.
        let batches = 0;
        const first = await replaySpool(spool, client, {
          maxAttempts: 1,
          onProgress: () => {
            if (++batches === 1) emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
          },
        });
        expect(first.stoppedBy).toBeDefined();
        emulator.faults.clear();
        const stoppedAt = spool.stats().backlogBytesRead;
        expect(stoppedAt).toBeLessThan(adoptedBytes);
        expect(spool.requeueUnsettled()).toBe(1);
        const seen: number[] = [];
        const second = await replaySpool(spool, client, { onProgress: (_counts, bytes) => seen.push(bytes.read) });
        expect(second.stoppedBy).toBeUndefined();
        expect(emulator.store.metrics("progress-again")).toHaveLength(3000);
        expect(seen[0]).toBeGreaterThanOrEqual(stoppedAt);
        expect(seen.at(-1)).toBe(adoptedBytes); // not past it: nothing is counted twice
      } finally {
        await client.close();
      }
    });
  }, 30_000);
});
