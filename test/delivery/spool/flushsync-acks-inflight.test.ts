/**
 * flushSync() at exit while the flusher's asynchronous acks write is in flight: the in-flight data
 * chunk was written again by flushSync, but the in-flight acks were not (their entries had left the
 * pending list), so records acknowledged as delivered were sent again by the next process (found by
 * an outside review). The exit path writes those bytes again at their place.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, it, vi } from "vitest";
import { nodeSpoolFs, openSpool, type Spool } from "../../../src/delivery/spool/index.ts";
import { FaultyFs } from "./faulty-fs.ts";
import { adoptAll, markDead, tmpSpoolDir } from "./spool-helpers.ts";

/** The exit hook runs (`flushSync`), the process dies: what the next process finds unacknowledged. */
async function leftAfterExit(spool: Spool, dir: string): Promise<number[]> {
  spool.flushSync();
  markDead(spool.dir);
  const { spool: next, records } = await adoptAll(dir);
  await next.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return records.map((r) => (JSON.parse(r.payload.toString("utf8")) as { n: number }).n);
}

class HoldAcksFs extends FaultyFs {
  readonly acksFds = new Set<number>();
  held: (() => Promise<void>) | undefined;
  override open = async (p: string, flags: string): Promise<number> => {
    const fd = await nodeSpoolFs.open(p, flags);
    if (path.basename(p) === "acks") this.acksFds.add(fd);
    return fd;
  };
  override write = async (fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> => {
    if (!this.acksFds.has(fd)) return nodeSpoolFs.write(fd, buf, offset, length, position);
    const copy = Buffer.from(buf.subarray(offset, offset + length));
    // Held: the thread pool has not run it yet when the process reaches its exit hook.
    this.held = async () => void (await nodeSpoolFs.write(fd, copy, 0, copy.length, position));
    return new Promise<number>(() => {});
  };
}

for (const variant of ["never runs (exit)"] as const) {
  it(`acks of delivered records survive flushSync with an acks write in flight: ${variant}`, async () => {
    const dir = tmpSpoolDir();
    const fsi = new HoldAcksFs();
    const spool = await openSpool({ dir, fs: fsi, syncIntervalMs: 0, flushIntervalMs: 1 });
    const refs = Array.from({ length: 10 }, (_, n) => spool.append(1, { n })!);
    await vi.waitFor(() => expect(spool.stats().written).toBe(10));
    spool.ack(refs.slice(0, 5)); // delivered: the flusher writes these acks (held)
    await vi.waitFor(() => expect(fsi.held).toBeDefined());
    spool.ack(refs.slice(5)); // delivered too, acked at exit
    expect(await leftAfterExit(spool, dir)).toEqual([]);
  });
}

/** Holds the acks file's first open: the flusher has taken the entries out of the pending list and waits for the file. */
class HoldAcksOpenFs extends FaultyFs {
  opening = false;
  override open = async (p: string, flags: string): Promise<number> => {
    if (path.basename(p) !== "acks") return nodeSpoolFs.open(p, flags);
    this.opening = true;
    return new Promise<number>(() => {}); // the exit hook comes first
  };
}

it("acks of delivered records survive flushSync while the flusher waits to open the acks file (its first ack write)", async () => {
  const dir = tmpSpoolDir();
  const fsi = new HoldAcksOpenFs();
  const spool = await openSpool({ dir, fs: fsi, syncIntervalMs: 0, flushIntervalMs: 1 });
  const refs = Array.from({ length: 10 }, (_, n) => spool.append(1, { n })!);
  await vi.waitFor(() => expect(spool.stats().written).toBe(10));
  spool.ack(refs.slice(0, 5)); // delivered: the flusher's acks write waits for the file to open
  await vi.waitFor(() => expect(fsi.opening).toBe(true));
  expect(await leftAfterExit(spool, dir)).toEqual([5, 6, 7, 8, 9]);
});
