/**
 * Records delivered before the flusher reaches them (`skipAckedTypes`) are never written: the
 * server has them. What a dead writer leaves must still be exactly what was not acknowledged, and
 * the acks of the records that were written must count each of them once (a segment is deleted
 * only when every record in it is acknowledged). Real files in a temp dir.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openSpool, type Spool } from "../../../src/delivery/spool/index.ts";
import { seededRandom } from "../../../src/testing/seeded-random.ts";
import { FaultyFs } from "./faulty-fs.ts";
import { adoptAll, jsonOf, markDead, segmentFiles, tmpSpoolDir } from "./spool-helpers.ts";

const EVENT = 2;
const CREATION = 1;

/** The ids of what a dead writer left for the next process, in order. */
async function leftBehind(dir: string, writer: Spool): Promise<number[]> {
  writer.flushSync(); // the exit path: the directory stays for adoption
  markDead(writer.dir);
  const { spool, records } = await adoptAll(dir);
  await spool.close();
  return records.map((r) => (jsonOf(r) as { id: number }).id);
}

const segmentBytes = (writer: Spool): Buffer => Buffer.concat(segmentFiles(writer.dir).map((f) => fs.readFileSync(path.join(writer.dir, f))));

afterEach(() => {
  vi.useRealTimers();
});

describe("records delivered before they are written", () => {
  it("an event acknowledged before the flusher reaches it gets no bytes; a creation does, and is acknowledged once written", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0, skipAckedTypes: [EVENT] });
    const creation = spool.append(CREATION, { id: 100, kind: "creation" })!;
    const refs = Array.from({ length: 10 }, (_, id) => spool.append(EVENT, { id, marker: `event-${id}-marker` })!);
    spool.ack([creation, ...refs.slice(0, 5)]);
    await spool.whenDurable();
    expect(spool.stats()).toMatchObject({ written: 6, deliveredUnwritten: 5, recordsOnDisk: 5 });
    const bytes = segmentBytes(spool).toString("latin1");
    for (let id = 0; id < 10; id++) expect({ id, written: bytes.includes(`event-${id}-marker`) }).toEqual({ id, written: id >= 5 });
    expect(bytes).toContain('"kind":"creation"');
    expect(await leftBehind(dir, spool)).toEqual([5, 6, 7, 8, 9]);
  });

  it("without skipAckedTypes every record is written, acknowledged or not (the engine's default)", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0 });
    const refs = Array.from({ length: 4 }, (_, id) => spool.append(EVENT, { id })!);
    spool.ack(refs.slice(0, 2));
    await spool.whenDurable();
    expect(spool.stats()).toMatchObject({ written: 4, deliveredUnwritten: 0, recordsOnDisk: 2 });
    expect(await leftBehind(dir, spool)).toEqual([2, 3]);
  });

  it("a run of acks across a record that has no bytes counts only the written ones: the rest stays on disk", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0, skipAckedTypes: [EVENT] });
    const refs = Array.from({ length: 6 }, (_, id) => spool.append(EVENT, { id })!);
    spool.ack([refs[1]!, refs[3]!]); // before the write: no bytes for ids 1 and 3
    await spool.whenDurable();
    expect(spool.stats()).toMatchObject({ written: 4, deliveredUnwritten: 2, recordsOnDisk: 4 });
    // One run of consecutive refs over both kinds, as a delivered batch acknowledges them (1 and 3 again).
    spool.ack(refs.slice(0, 5));
    expect(spool.stats().recordsOnDisk).toBe(1);
    expect(await leftBehind(dir, spool)).toEqual([5]);
  });

  it("a record waits at least 3/4 of the flush interval: acknowledged within it, it is never written; later, it is", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, flushIntervalMs: 100, skipAckedTypes: [EVENT] });
    const early = spool.append(EVENT, { id: 0 })!;
    await vi.advanceTimersByTimeAsync(70);
    await settleIo();
    expect(spool.stats()).toMatchObject({ written: 0, pendingRecords: 1 });
    spool.ack(early);
    const late = spool.append(EVENT, { id: 1 })!;
    await vi.advanceTimersByTimeAsync(110);
    await vi.waitFor(async () => {
      await settleIo();
      expect(spool.stats()).toMatchObject({ written: 1, deliveredUnwritten: 1, pendingRecords: 0 });
    });
    spool.ack(late);
    expect(spool.stats().recordsOnDisk).toBe(0);
    vi.useRealTimers();
    await spool.close();
    expect(fs.existsSync(spool.dir)).toBe(false);
  });

  it("a failed write counts as unwritten only what was not delivered (stats().unwrittenRecords; the Collector's notSpooled)", async () => {
    const faulty = new FaultyFs();
    const spool = await openSpool({ dir: tmpSpoolDir(), syncIntervalMs: 0, flushBytes: 1024, skipAckedTypes: [EVENT], fs: faulty, onError: () => {} });
    const refs = Array.from({ length: 50 }, (_, id) => spool.append(EVENT, { id, pad: "z".repeat(80) })!);
    spool.ack(refs.slice(40)); // delivered before the flusher reached them
    faulty.failing.set("write", "ENOSPC");
    await expect(spool.whenDurable(refs[39])).rejects.toThrow();
    expect(spool.stats()).toMatchObject({ state: "fallback", unwrittenRecords: 40 });
    await spool.close();
  });

  it("writeSoon() (an event spilled: nothing will deliver it soon): written at the next tick, not 3/4 of the interval later", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const spool = await openSpool({ dir: tmpSpoolDir(), flushIntervalMs: 100, skipAckedTypes: [EVENT] });
    spool.append(EVENT, { id: 0 });
    spool.writeSoon();
    await vi.advanceTimersByTimeAsync(30); // one tick (25 ms), and no more: the clock stays there
    // The write itself is real file I/O: wait for it in real time (a loaded CI machine took longer than
    // 250 turns of setImmediate) while the fake clock stays short of the 3/4 mark (vi.waitFor would
    // advance it).
    for (let waited = 0; waited < 10_000 && spool.stats().written === 0; waited += 20) await realDelay(20);
    expect(spool.stats()).toMatchObject({ written: 1, pendingRecords: 0 });
    vi.useRealTimers();
    await spool.close();
  });

  it("random interleavings of appends, early and late acks, repeats and writes: a dead writer leaves exactly what was not acknowledged", async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const dir = tmpSpoolDir();
      const spool = await openSpool({ dir, syncIntervalMs: 0, flushIntervalMs: 60_000, flushBytes: 1024, segmentBytes: 2048, skipAckedTypes: [EVENT] });
      const refs: number[] = [];
      const acked = new Set<number>();
      const writes: Promise<void>[] = [];
      for (let step = 0; step < 300; step++) {
        const r = random();
        if (r < 0.5) refs.push(spool.append(random() < 0.1 ? CREATION : EVENT, { id: refs.length, pad: "x".repeat(Math.floor(random() * 200)) })!);
        else if (r < 0.8 && refs.length) {
          // A batch: consecutive refs from a random place, some acknowledged before (a repeat).
          const from = Math.floor(random() * refs.length);
          const batch = refs.slice(from, from + 1 + Math.floor(random() * 20));
          spool.ack(batch);
          for (const ref of batch) acked.add(ref);
        } else if (r < 0.9 && refs.length) writes.push(spool.whenDurable(refs[Math.floor(random() * refs.length)]));
        else await new Promise<void>((resolve) => setImmediate(resolve)); // let a write finish (or not)
      }
      await Promise.all(writes);
      const expected = refs.filter((ref) => !acked.has(ref)).map((ref) => refs.indexOf(ref));
      expect({ seed, left: await leftBehind(dir, spool) }).toEqual({ seed, left: expected });
    }
  });
});

/** Lets the thread pool's file calls and their callbacks run. */
/** Captured before any test fakes the timers. */
const realSetTimeout = globalThis.setTimeout;
function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

async function settleIo(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
