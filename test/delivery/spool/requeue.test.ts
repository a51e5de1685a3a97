/**
 * `requeueUnsettled()`: what a reader of the backlog took and did not acknowledge (a replay that gave
 * up, possibly in the middle of a segment) comes out of `backlog()` again, only what is still
 * unacknowledged, counted once in `recordsOnDisk`; once all of it is acknowledged the adopted
 * directory goes, and nothing is queued again.
 */
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { openSpool, type Spool } from "../../../src/delivery/spool/index.ts";
import { drain, jsonOf, tmpSpoolDir, writeOrphan, writerDirs } from "./spool-helpers.ts";

let dir: string;
let spool: Spool | undefined;
afterEach(async () => {
  await spool?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const values = Array.from({ length: 40 }, (_, i) => ({ n: i }));

describe("requeueUnsettled", () => {
  it("a reader that stopped in the middle: the next backlog() yields exactly what is not acknowledged", async () => {
    dir = tmpSpoolDir();
    // Small segments, so the stop falls inside one of several.
    await writeOrphan(dir, values, { segmentBytes: 256 });
    spool = await openSpool({ dir, syncIntervalMs: 0 });
    expect(spool.requeueUnsettled()).toBe(0); // nothing adopted yet
    await spool.adoptOrphans();
    expect(spool.requeueUnsettled()).toBe(0); // queued already, not taken
    const acked: number[] = [];
    for await (const record of spool.backlog()) {
      const { n } = jsonOf(record) as { n: number };
      if (n % 3 === 0) {
        spool.ack(record.ref);
        acked.push(n);
      }
      if (n === 22) break; // the replay gave up here
    }
    expect(spool.stats().recordsOnDisk).toBeGreaterThan(0);
    expect(spool.requeueUnsettled()).toBe(1);
    expect(spool.requeueUnsettled()).toBe(0); // already queued
    const again = await drain(spool);
    const expected = values.map((v) => v.n).filter((n) => !acked.includes(n));
    expect(again.map((r) => (jsonOf(r) as { n: number }).n)).toEqual(expected);
    // Counted once: what is on disk is what is not acknowledged, whatever was read twice.
    expect(spool.stats().recordsOnDisk).toBe(expected.length);
    spool.ack(again.map((r) => r.ref));
    expect(spool.stats().recordsOnDisk).toBe(0);
    expect(spool.requeueUnsettled()).toBe(0);
    await spool.close();
    spool = undefined;
    expect(writerDirs(dir)).toEqual([]);
    expect(fs.readdirSync(dir).filter((name) => name !== "FORMAT" && !name.startsWith("."))).toEqual([]);
  });
});
