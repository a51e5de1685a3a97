/**
 * `spool.own`: where this writer's records are and reading them back (what a spilling outbox
 * uses). Real files in a temp dir; a flipped byte and an injected write failure show the two ways
 * a record is not there to read. Records their owner released (spilled: no longer in its memory)
 * cost no offset each until they are read back.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openSpool, type Spool } from "../../../src/delivery/spool/index.ts";
import { FaultyFs } from "./faulty-fs.ts";
import { segmentFiles, tmpSpoolDir } from "./spool-helpers.ts";

let dir: string;
let spool: Spool;
afterEach(async () => {
  await spool.close();
  await rm(dir, { recursive: true, force: true });
});

const text = (payload: Uint8Array | undefined): unknown => (payload === undefined ? undefined : JSON.parse(Buffer.from(payload).toString("utf8")));

describe("spool.own", () => {
  it("says a record is pending until written, then reads it back from its segment, in the order asked", async () => {
    dir = tmpSpoolDir();
    spool = await openSpool({ dir, syncIntervalMs: 0 });
    const refs = Array.from({ length: 50 }, (_, i) => spool.append(2, { i, pad: "x".repeat(i * 10) })!);
    expect(spool.own.whereIs(refs[0]!)).toBe("pending");
    await spool.whenDurable();
    expect(refs.map((ref) => spool.own.whereIs(ref))).toEqual(refs.map(() => "disk"));
    const picked = [refs[40]!, refs[3]!, refs[4]!, refs[49]!];
    expect((await spool.own.read(picked)).map(text)).toEqual([40, 3, 4, 49].map((i) => ({ i, pad: "x".repeat(i * 10) })));
  });

  it("a record whose bytes changed on disk reads back as undefined; its neighbours still read", async () => {
    dir = tmpSpoolDir();
    spool = await openSpool({ dir, syncIntervalMs: 0 });
    const refs = [spool.append(2, { n: "first" })!, spool.append(2, { n: "second" })!, spool.append(2, { n: "third" })!];
    await spool.whenDurable();
    const file = path.join(spool.dir, segmentFiles(spool.dir)[0]!);
    const bytes = readFileSync(file);
    const at = bytes.indexOf("second");
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(file, bytes);
    expect((await spool.own.read(refs)).map(text)).toEqual([{ n: "first" }, undefined, { n: "third" }]);
  });

  it("a record a failed write never stored is lost, not pending", async () => {
    dir = tmpSpoolDir();
    const faulty = new FaultyFs();
    spool = await openSpool({ dir, syncIntervalMs: 0, fs: faulty, onError: () => {} });
    faulty.failing.set("write", "EIO");
    const ref = spool.append(2, { n: 1 })!;
    await vi.waitFor(() => expect(spool.stats().state).toBe("fallback"));
    expect(spool.own.whereIs(ref)).toBe("lost");
    expect(await spool.own.read([ref])).toEqual([undefined]);
  });
});

describe("spool.own offsets of released records", () => {
  const GROUP = 1024;
  const event = (i: number): unknown => ({ i, pad: "y".repeat(i % 50) });

  /** Appends `n` records, waits until written, then releases them all (the owner spilled them). */
  async function appendReleased(n: number, first = 0): Promise<number[]> {
    const refs = Array.from({ length: n }, (_, i) => spool.append(2, event(first + i))!);
    await spool.whenDurable();
    spool.own.release(refs[0]!, n);
    return refs;
  }

  it("are held per 1,024-record group, not per record: the count does not grow with the records released", async () => {
    dir = tmpSpoolDir();
    spool = await openSpool({ dir, syncIntervalMs: 0 });
    const held = await appendReleased(300); // kept in the owner's memory: never released
    await spool.whenDurable();
    const before = spool.own.offsetSlots;
    expect(before).toBe(GROUP);
    await appendReleased(20_000, 300);
    const after20k = spool.own.offsetSlots;
    await appendReleased(60_000, 20_300);
    // The group holding the first records and the last, still filling, keep their slots; none else does.
    expect(spool.own.offsetSlots).toBe(after20k);
    expect(spool.own.offsetSlots).toBeLessThanOrEqual(2 * GROUP);
    expect(held.map((ref) => spool.own.whereIs(ref))).toEqual(held.map(() => "disk"));
  });

  it("read back, each is intact and acknowledged once; then nothing is left on disk", async () => {
    dir = tmpSpoolDir();
    spool = await openSpool({ dir, syncIntervalMs: 0, segmentBytes: 256 * 1024 });
    const refs = await appendReleased(10_000);
    expect(spool.own.offsetSlots).toBeLessThan(10_000);
    for (let i = 0; i < refs.length; i += 1500) {
      const batch = refs.slice(i, i + 1500);
      const payloads = await spool.own.read(batch);
      expect(payloads.map(text)).toEqual(batch.map((_, k) => event(i + k)));
      spool.ack(batch);
      spool.ack(batch); // a repeat changes nothing
    }
    await spool.whenDurable();
    expect(spool.stats()).toMatchObject({ acked: 10_000, recordsOnDisk: 0 });
    await spool.close();
    expect(existsSync(spool.dir)).toBe(false);
  });

  it("records of forgotten groups are read out of the bytes read to learn their offsets again: one read per group", async () => {
    dir = tmpSpoolDir();
    const counting = new FaultyFs();
    spool = await openSpool({ dir, syncIntervalMs: 0, fs: counting });
    const refs = await appendReleased(3 * GROUP);
    expect(spool.own.offsetSlots).toBe(0);
    const reads = counting.calls.get("readAt") ?? 0;
    const wanted = refs.slice(500, 2500); // parts of all three groups
    expect((await spool.own.read(wanted)).map(text)).toEqual(wanted.map((_, k) => event(500 + k)));
    // Before: each group read to learn it, then the records read a second time.
    expect((counting.calls.get("readAt") ?? 0) - reads).toBe(3);
  });

  it("a forgotten group with a damaged record: that record reads back as undefined, its neighbours still read", async () => {
    dir = tmpSpoolDir();
    spool = await openSpool({ dir, syncIntervalMs: 0 });
    const refs = await appendReleased(3 * GROUP);
    expect(spool.own.offsetSlots).toBe(0); // three full groups, every record released: all forgotten
    const file = path.join(spool.dir, segmentFiles(spool.dir)[0]!);
    const bytes = readFileSync(file);
    const at = bytes.indexOf('{"i":1500,');
    bytes[at + 2] = bytes[at + 2]! ^ 0xff;
    writeFileSync(file, bytes);
    const payloads = (await spool.own.read(refs.slice(1499, 1502))).map(text);
    expect(payloads).toEqual([event(1499), undefined, event(1501)]);
  });
});
