/**
 * `spool.own`: where this writer's records are and reading them back (what a spilling outbox
 * uses). Real files in a temp dir; a flipped byte and an injected write failure show the two ways
 * a record is not there to read.
 */
import { readFileSync, writeFileSync } from "node:fs";
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
