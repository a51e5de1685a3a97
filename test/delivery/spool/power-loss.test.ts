/**
 * The power-loss model (docs/spool.md, "Durability promise"): while a spool appends, acks and
 * rotates segments, the directory is copied as a power loss would leave it (each file cut to its
 * size at its last completed fdatasync, files whose creation no directory fsync covered dropped:
 * `power-loss-fs.ts`), and the copy is recovered by a fresh spool. Every record whose `whenDurable()`
 * had resolved is read back exactly once (unless acknowledged: an ack is a hint, so an acked record
 * may come back or not), no record twice, in append order, each intact. Several cut moments per
 * fsync policy (group commit, and an interval).
 */
import fs from "node:fs";
import path from "node:path";
import { setImmediate as tick } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { openSpool } from "../../../src/delivery/spool/index.ts";
import { PowerLossFs } from "./power-loss-fs.ts";
import { adoptAll, jsonOf, markDead, tmpSpoolDir } from "./spool-helpers.ts";

const CUTS = 8;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface CutOutcome {
  durable: Set<number>;
  acked: Set<number>;
  appended: number;
  copy: string;
  lost: ReturnType<PowerLossFs["powerLossCopy"]>;
}

/** Appends numbered records in bursts (acking every third once durable) and cuts the power after `bursts` bursts. */
async function runUntilCut(syncIntervalMs: number, bursts: number): Promise<CutOutcome> {
  const dir = tmpSpoolDir();
  const copy = tmpSpoolDir();
  dirs.push(dir, copy);
  const fsi = new PowerLossFs(dir);
  // Small segments: the run rotates several times, so segment creation and sealing are cut too.
  const spool = await openSpool({ dir, fs: fsi.fs, syncIntervalMs, flushIntervalMs: 1, segmentBytes: 8 * 1024 });
  const durable = new Set<number>();
  const acked = new Set<number>();
  let appended = 0;
  for (let burst = 0; burst < bursts; burst++) {
    for (let i = 0; i < 25; i++) {
      const n = appended++;
      const ref = spool.append(2, { n, pad: "x".repeat(n % 64) });
      expect(ref).toBeDefined();
      spool.whenDurable(ref).then(
        () => {
          durable.add(n);
          if (n % 3 === 0) {
            spool.ack(ref!);
            acked.add(n);
          }
        },
        () => undefined,
      );
    }
    await tick();
    if (burst % 4 === 3) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const durableAtCut = new Set(durable);
  const ackedAtCut = new Set(acked);
  const lost = fsi.powerLossCopy(copy);
  await spool.close();
  return { durable: durableAtCut, acked: ackedAtCut, appended, copy, lost };
}

/** Marks the copy's writer directory dead (it names this live process) and reads it back with a fresh spool. */
async function recover(copy: string): Promise<number[]> {
  for (const name of fs.readdirSync(copy).filter((n) => n.startsWith("w-"))) markDead(path.join(copy, name));
  const { spool, records } = await adoptAll(copy);
  await spool.close();
  return records.map((record) => (jsonOf(record) as { n: number }).n);
}

describe("power loss: files cut to their last fdatasync, then recovered", () => {
  for (const syncIntervalMs of [0, 5]) {
    it(`every record durable at the cut comes back once, in order, none twice (syncIntervalMs ${syncIntervalMs}, ${CUTS} cuts)`, async () => {
      let cutSomething = 0;
      let durableSeen = 0;
      for (let cut = 0; cut < CUTS; cut++) {
        const outcome = await runUntilCut(syncIntervalMs, 8 + cut * 7);
        const back = await recover(outcome.copy);
        expect(new Set(back).size).toBe(back.length);
        expect(back).toEqual([...back].sort((a, b) => a - b));
        expect(back.every((n) => n < outcome.appended)).toBe(true);
        const returned = new Set(back);
        const missing = [...outcome.durable].filter((n) => !outcome.acked.has(n) && !returned.has(n));
        expect(missing, `cut ${cut}: ${JSON.stringify(outcome.lost)}`).toEqual([]);
        durableSeen += outcome.durable.size;
        if (outcome.lost.bytesLost > 0) cutSomething++;
      }
      // The model did cut: at some moments bytes were written but not yet durable.
      expect(cutSomething).toBeGreaterThan(0);
      expect(durableSeen).toBeGreaterThan(0);
    });
  }
});
