/** Durability rules 7-9 and test (e): disk full, I/O errors, unwritable and foreign directories. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openSpool, type SpoolError } from "../../../src/delivery/spool/index.ts";
import { encodeSegmentHeader } from "../../../src/delivery/spool/segment-header.ts";
import { FaultyFs } from "./faulty-fs.ts";
import { adoptAll, jsonOf, markDead, segmentFiles, tmpSpoolDir, writeOrphan } from "./spool-helpers.ts";

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describe("Spool under faults", () => {
  it("ENOSPC on write: fallback state, one typed error, nothing thrown, durable promise rejected; recovers when space returns", async () => {
    const dir = tmpSpoolDir();
    const faulty = new FaultyFs();
    const errors: SpoolError[] = [];
    const spool = await openSpool({ dir, fs: faulty, syncIntervalMs: 0, retryMs: 0, onError: (e) => errors.push(e) });
    const first = spool.append(1, { n: 0 })!;
    await spool.whenDurable(first);
    faulty.failing.set("write", "ENOSPC");
    const doomed = spool.append(1, { n: 1 })!;
    await expect(spool.whenDurable(doomed)).rejects.toMatchObject({ code: "io", errno: "ENOSPC", op: "write" });
    expect(spool.stats()).toMatchObject({ state: "fallback", fallbacks: 1, unwrittenRecords: 1 });
    expect(() => spool.append(1, { n: 2 })).not.toThrow();
    expect(spool.append(1, { n: 3 })).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/write failed on .*\.seg: ENOSPC/);

    faulty.failing.delete("write");
    await until(() => (spool.append(1, { n: 4 }) !== undefined) || spool.stats().state === "active");
    const later = spool.append(1, { n: 5 })!;
    await spool.whenDurable(later);
    await expect(spool.whenDurable(doomed)).rejects.toMatchObject({ errno: "ENOSPC" }); // never durable, even now
    expect(spool.stats().state).toBe("active");
    await spool.close();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    const ns = records.map((r) => (jsonOf(r) as { n: number }).n);
    expect(ns[0]).toBe(0);
    expect(ns.at(-1)).toBe(5);
    expect(ns).not.toContain(1);
    await next.close();
  });

  it("EIO on fdatasync: no durable promise resolves, fallback with errno EIO", async () => {
    const faulty = new FaultyFs();
    faulty.failing.set("fdatasync", "EIO");
    const spool = await openSpool({ dir: tmpSpoolDir(), fs: faulty, syncIntervalMs: 0 });
    const ref = spool.append(1, { n: 1 })!;
    await expect(spool.whenDurable(ref)).rejects.toMatchObject({ code: "io", errno: "EIO", op: "fdatasync" });
    expect(spool.stats().state).toBe("fallback");
    await spool.close();
  });

  it("short writes are completed, not torn", async () => {
    const dir = tmpSpoolDir();
    const faulty = new FaultyFs();
    faulty.shortWriteBytes = 7;
    const spool = await openSpool({ dir, fs: faulty, syncIntervalMs: 0 });
    for (let n = 0; n < 30; n++) spool.append(1, { n });
    await spool.whenDurable();
    await spool.close();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records).toHaveLength(30);
    expect(next.stats()).toMatchObject({ tornTails: 0, corruptRecords: 0 });
    await next.close();
  });

  it("an unwritable directory: openSpool resolves in fallback with an error naming the path", async () => {
    const parent = tmpSpoolDir();
    fs.writeFileSync(path.join(parent, "file"), "not a directory");
    const errors: SpoolError[] = [];
    const spool = await openSpool({ dir: path.join(parent, "file", "spool"), onError: (e) => errors.push(e) });
    expect(spool.stats().state).toBe("fallback");
    expect(spool.lastError).toMatchObject({ code: "io", errno: "ENOTDIR" });
    expect(errors[0]!.message).toContain(path.join(parent, "file", "spool"));
    expect(spool.append(1, { n: 1 })).toBeUndefined();
    expect(spool.stats().refusedFallback).toBe(1);
    await spool.close();
  });

  it("an unknown FORMAT: left untouched, reported clearly, appends refused", async () => {
    const dir = tmpSpoolDir();
    fs.writeFileSync(path.join(dir, "FORMAT"), '{"format":2}\n');
    const spool = await openSpool({ dir });
    expect(spool.lastError).toMatchObject({ code: "unsupported_format" });
    expect(spool.lastError!.message).toMatch(/FORMAT 2.*reads format 1.*left untouched/);
    expect(fs.readdirSync(dir)).toEqual(["FORMAT"]);
    expect(fs.readFileSync(path.join(dir, "FORMAT"), "utf8")).toBe('{"format":2}\n');
    await spool.close();
  });

  it("an empty FORMAT (a process killed between creating it and writing it) is written again, not refused for good", async () => {
    const dir = tmpSpoolDir();
    fs.writeFileSync(path.join(dir, "FORMAT"), "");
    const spool = await openSpool({ dir, syncIntervalMs: 0 });
    expect(spool.lastError).toBeUndefined();
    expect(spool.stats().state).toBe("active");
    expect(spool.append(1, { n: 1 })).toBeDefined();
    await spool.whenDurable();
    await spool.close();
    expect(JSON.parse(fs.readFileSync(path.join(dir, "FORMAT"), "utf8"))).toEqual({ format: 1 });
    expect(fs.readdirSync(dir).filter((name) => name.includes("FORMAT"))).toEqual(["FORMAT"]); // no temporary file left
  });

  it("a FORMAT is never seen half made: it is written under a temporary name and linked in", async () => {
    const dir = tmpSpoolDir();
    const faulty = new FaultyFs();
    faulty.failing.set("link", "EIO"); // the process dies, in effect, after writing the temporary file
    faulty.failing.set("rename", "EIO");
    const failed = await openSpool({ dir, fs: faulty, onError: () => {} });
    expect(failed.lastError).toMatchObject({ code: "io" });
    await failed.close();
    expect(fs.existsSync(path.join(dir, "FORMAT"))).toBe(false); // no FORMAT rather than an empty one
    const spool = await openSpool({ dir });
    expect(spool.lastError).toBeUndefined();
    await spool.close();
  });

  it("a filesystem without hard links: FORMAT is renamed in instead", async () => {
    const dir = tmpSpoolDir();
    const faulty = new FaultyFs();
    faulty.failing.set("link", "EPERM");
    const spool = await openSpool({ dir, fs: faulty });
    expect(spool.lastError).toBeUndefined();
    await spool.close();
    expect(JSON.parse(fs.readFileSync(path.join(dir, "FORMAT"), "utf8"))).toEqual({ format: 1 });
  });

  it("an orphan holding a segment of an unknown version is not adopted, and is reported", async () => {
    const dir = tmpSpoolDir();
    const orphan = await writeOrphan(dir, [{ n: 1 }]);
    const file = path.join(orphan, segmentFiles(orphan)[0]!);
    const bytes = fs.readFileSync(file);
    const header = encodeSegmentHeader({ segmentId: 1, createdAtMs: 0, writerId: 1 });
    header.writeUInt16LE(9, 8); // version 9, with a matching checksum so it is a valid header
    const { crc32c } = await import("../../../src/delivery/spool/crc32c.ts");
    header.writeUInt32LE(crc32c(header, 0, 28), 28);
    header.copy(bytes, 0);
    fs.writeFileSync(file, bytes);
    const errors: string[] = [];
    const { spool, records } = await adoptAll(dir, { onError: (e) => errors.push(e.message) });
    expect(records).toEqual([]);
    expect(fs.existsSync(file)).toBe(true);
    expect(errors.join("\n")).toMatch(/not adopted: segments of an unsupported version/);
    await spool.close();
  });

  it("a segment with a damaged header goes to corrupt/ and the rest of the orphan is still read", async () => {
    const dir = tmpSpoolDir();
    const orphan = await writeOrphan(dir, Array.from({ length: 60 }, (_, n) => ({ n, pad: "p".repeat(40) })), { segmentBytes: 1024 });
    const files = segmentFiles(orphan);
    const victim = path.join(orphan, files[1]!);
    fs.writeFileSync(victim, Buffer.concat([Buffer.from("NOTSPOOL"), fs.readFileSync(victim).subarray(8)]));
    const { spool, records } = await adoptAll(dir);
    expect(spool.stats().corruptFiles).toBe(1);
    expect(fs.readdirSync(path.join(dir, "corrupt"))).toEqual([`${path.basename(orphan)}-${files[1]}`]);
    expect(records.length).toBeGreaterThan(40);
    expect(records.length).toBeLessThan(60);
    await spool.close();
  });

  it("(g) acks file missing, torn, past the end or behind: starts cleanly, resends only what is not covered", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0 });
    const refs = Array.from({ length: 10 }, (_, n) => spool.append(1, { n })!);
    await spool.whenDurable();
    spool.ack(refs.slice(0, 4));
    await spool.close();
    markDead(spool.dir);
    const acksPath = path.join(spool.dir, "acks");
    const acks = fs.readFileSync(acksPath);
    expect(acks.length).toBe(16); // one merged entry for the 4 contiguous records
    const ns = async (): Promise<number[]> => {
      const { spool: reader, records } = await adoptAll(tmpCopy(dir));
      await reader.close();
      return records.map((r) => (jsonOf(r) as { n: number }).n);
    };
    expect(await ns()).toEqual([4, 5, 6, 7, 8, 9]);
    fs.writeFileSync(acksPath, Buffer.concat([acks, acks.subarray(0, 9)])); // torn trailing entry
    expect(await ns()).toEqual([4, 5, 6, 7, 8, 9]);
    const past = Buffer.from(acks);
    past.writeUInt32LE(0xffffff, 8); // end far past the segment's data
    const { crc32c } = await import("../../../src/delivery/spool/crc32c.ts");
    past.writeUInt32LE(crc32c(past, 0, 12), 12);
    fs.writeFileSync(acksPath, past);
    expect(await ns()).toEqual([]);
    const missingSegment = Buffer.from(acks);
    missingSegment.writeUInt32LE(77, 0);
    missingSegment.writeUInt32LE(crc32c(missingSegment, 0, 12), 12);
    fs.writeFileSync(acksPath, missingSegment); // behind/elsewhere: covers nothing that exists
    expect(await ns()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    fs.rmSync(acksPath);
    expect(await ns()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

/** A copy of a spool dir, so each variant starts from the same files. */
function tmpCopy(dir: string): string {
  const copy = tmpSpoolDir();
  fs.cpSync(dir, copy, { recursive: true });
  return copy;
}
