/** The engine against real files in a temp dir: round trip, acks, deletion, rotation, bounds. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { openSpool, readSpoolHost, scanSpool } from "../../../src/delivery/spool/index.ts";
import { parseLock } from "../../../src/delivery/spool/process-identity.ts";
import { FaultyFs } from "./faulty-fs.ts";
import { adoptAll, jsonOf, markDead, segmentFiles, tmpSpoolDir, writeOrphan } from "./spool-helpers.ts";

describe("Spool", () => {
  it("lays out FORMAT and a writer dir with a LOCK naming this process", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir });
    expect(JSON.parse(fs.readFileSync(path.join(dir, "FORMAT"), "utf8"))).toEqual({ format: 1 });
    expect(path.basename(spool.dir)).toMatch(new RegExp(`^w-.+-${process.pid}-\\d+-[0-9a-f]{8}$`));
    const lock = JSON.parse(fs.readFileSync(path.join(spool.dir, "LOCK"), "utf8")) as { pid: number; startTicks?: string };
    expect(lock.pid).toBe(process.pid);
    expect(lock.startTicks).toMatch(/^\d+$/);
    expect(segmentFiles(spool.dir)).toEqual(["00000001.seg"]);
    await spool.close();
  });

  it("writes the host it is given into a FORMAT it creates; a FORMAT naming none (an older version's) opens as before and is left as it is", async () => {
    const host = "http://127.0.0.1:4318";
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, host });
    await spool.close();
    expect(JSON.parse(fs.readFileSync(path.join(dir, "FORMAT"), "utf8"))).toEqual({ format: 1, host });
    expect(await readSpoolHost(dir)).toBe(host);
    // The format is what every reader checks, and it is the same: older versions read this FORMAT too.
    expect(await scanSpool(dir)).toMatchObject({ format: 1, supported: true });
    const reopened = await openSpool({ dir, host: "http://127.0.0.1:9" });
    expect(reopened.lastError).toBeUndefined();
    await reopened.close();
    expect(await readSpoolHost(dir)).toBe(host); // written once: the first host stays

    const older = tmpSpoolDir();
    fs.writeFileSync(path.join(older, "FORMAT"), '{"format":1}\n');
    const opened = await openSpool({ dir: older, host, syncIntervalMs: 0 });
    expect(opened.lastError).toBeUndefined();
    expect(opened.append(1, { n: 1 })).toBeDefined();
    await opened.whenDurable();
    await opened.close();
    expect(fs.readFileSync(path.join(older, "FORMAT"), "utf8")).toBe('{"format":1}\n');
    expect(await readSpoolHost(older)).toBeUndefined();
    expect(await scanSpool(older)).toMatchObject({ format: 1, supported: true });
  });

  it("records the writer's mode in its LOCK (sync tells an offline writer apart); a LOCK without one, as older versions wrote, still parses", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, mode: "offline" });
    const lockText = fs.readFileSync(path.join(spool.dir, "LOCK"), "utf8");
    expect(JSON.parse(lockText)).toMatchObject({ pid: process.pid, mode: "offline" });
    expect(parseLock(lockText)).toMatchObject({ pid: process.pid, mode: "offline" });
    await spool.close();
    const older = JSON.stringify({ format: 1, pid: 4242, host: "h", bootId: "b", startTicks: "7", createdAt: "2026-01-01T00:00:00.000Z" });
    expect(parseLock(older)).toEqual({ pid: 4242, host: "h", bootId: "b", startTicks: "7" });
    expect(parseLock(JSON.stringify({ pid: 1, host: "h", mode: "sideways" }))).not.toHaveProperty("mode");
  });

  it("keeps run data private: directories 0700, files 0600, whatever the umask lets through", async () => {
    const dir = path.join(tmpSpoolDir(), "nested", "spool");
    const spool = await openSpool({ dir, syncIntervalMs: 0 });
    spool.append(1, { secret: "run data" });
    await spool.whenDurable();
    const modeOf = (p: string) => fs.statSync(p).mode & 0o777;
    expect(modeOf(path.dirname(dir))).toBe(0o700);
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(spool.dir)).toBe(0o700);
    for (const file of [path.join(dir, "FORMAT"), path.join(spool.dir, "LOCK"), path.join(spool.dir, "00000001.seg")]) {
      expect({ file: path.basename(file), mode: modeOf(file) }).toEqual({ file: path.basename(file), mode: 0o600 });
    }
    await spool.close();
  });

  it("gives back JSON and byte payloads of a dead writer, in order, with their types", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0 });
    spool.append(1, { client_event_id: "a", step: 1, value: 0.5 });
    spool.append(2, Buffer.from([0, 1, 2, 255]));
    spool.append(3, { kind: "status", status: "running", text: "é 漢字 🙂" });
    await spool.whenDurable();
    await spool.close();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map((r) => r.type)).toEqual([1, 2, 3]);
    expect(jsonOf(records[0]!)).toEqual({ client_event_id: "a", step: 1, value: 0.5 });
    expect([...records[1]!.payload]).toEqual([0, 1, 2, 255]);
    expect(jsonOf(records[2]!)).toEqual({ kind: "status", status: "running", text: "é 漢字 🙂" });
    expect(next.stats()).toMatchObject({ adoptedDirs: 1, recordsOnDisk: 3 });
    await next.close();
  });

  it("serialises the payload in the flusher, not in append()", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0 });
    const payload = { value: 1 };
    spool.append(1, payload);
    payload.value = 2; // documented: do not mutate after append; this shows the write happens later
    await spool.whenDurable();
    await spool.close();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(jsonOf(records[0]!)).toEqual({ value: 2 });
    await next.close();
  });

  it("resumes with only the unacknowledged records, and deletes fully acknowledged sealed segments", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0, segmentBytes: 1024 });
    const refs = Array.from({ length: 100 }, (_, n) => spool.append(1, { n, pad: "x".repeat(40) })!);
    await spool.whenDurable();
    const before = segmentFiles(spool.dir).length;
    expect(before).toBeGreaterThan(5);
    spool.ack(refs.slice(0, 60));
    spool.ack(refs.slice(0, 10)); // a repeated ack changes nothing
    await spool.close();
    const after = segmentFiles(spool.dir);
    expect(after.length).toBeLessThan(before);
    expect(after.length).toBeGreaterThan(0);
    expect(spool.stats()).toMatchObject({ acked: 60, recordsOnDisk: 40 });
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map((r) => (jsonOf(r) as { n: number }).n)).toEqual(Array.from({ length: 40 }, (_, i) => 60 + i));
    // Acking the backlog empties and removes the adopted directory.
    next.ack(records.map((r) => r.ref));
    await next.close();
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("w-"))).toEqual([]);
  });

  it("acks that arrive before the flusher wrote the record still count", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0 });
    const refs = [spool.append(1, { n: 0 })!, spool.append(1, { n: 1 })!];
    spool.ack(refs[0]!);
    await spool.whenDurable();
    await spool.close();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map(jsonOf)).toEqual([{ n: 1 }]);
    await next.close();
  });

  it("a clean close with everything acknowledged leaves no writer directory", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir });
    const ref = spool.append(1, { n: 1 })!;
    spool.ack(ref);
    await spool.close();
    expect(fs.readdirSync(dir).sort()).toEqual(["FORMAT"]);
    expect(spool.append(1, {})).toBeUndefined();
  });

  it("rotates segments at segmentBytes; no record spans two segments", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0, segmentBytes: 4096 });
    for (let n = 0; n < 500; n++) spool.append(1, { n, pad: "y".repeat(50) });
    await spool.whenDurable();
    const files = segmentFiles(spool.dir);
    expect(files.length).toBeGreaterThan(8);
    for (const file of files) expect(fs.statSync(path.join(spool.dir, file)).size).toBeLessThanOrEqual(4096);
    await spool.close();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map((r) => (jsonOf(r) as { n: number }).n)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(next.stats()).toMatchObject({ tornTails: 0, corruptRecords: 0 });
    await next.close();
  });

  it("refuses appends past maxBytes (counted), keeps what it has, and accepts again once acks free space", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, syncIntervalMs: 0, maxBytes: 8192, segmentBytes: 2048 });
    const refs: number[] = [];
    for (let n = 0; n < 200; n++) {
      const ref = spool.append(1, { n, pad: "z".repeat(60) });
      if (ref !== undefined) refs.push(ref);
      await spool.whenDurable();
    }
    const stats = spool.stats();
    expect(stats.refusedFull).toBeGreaterThan(0);
    expect(refs.length + stats.refusedFull).toBe(200);
    // Refused at the bound: within one record (~80 bytes) below it, never past it.
    expect(stats.bytesOnDisk).toBeGreaterThan(8192 - 2 * 80);
    expect(stats.bytesOnDisk).toBeLessThanOrEqual(8192);
    spool.ack(refs);
    await spool.whenDurable();
    // Acks are written and segments deleted on the next flush tick: wait for that event, not a duration.
    for (let i = 0; i < 500 && spool.stats().bytesOnDisk >= 4096; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(spool.append(1, { n: "after" })).toBeTypeOf("number");
    await spool.close();
  });

  it("holds maxBytes against what waits for the flusher too: appends faster than it writes are refused at the bound", async () => {
    const dir = tmpSpoolDir();
    const maxBytes = 64 * 1024;
    const spool = await openSpool({ dir, syncIntervalMs: 0, maxBytes, segmentBytes: 16 * 1024 });
    const record = { pad: "z".repeat(100) };
    const recordBytes = 9 + JSON.stringify({ n: 0, ...record }).length + 5;
    const total = 20 * 500;
    for (let round = 0; round < 20; round++) {
      // 500 appends in one synchronous burst (~55 KB), then the flusher gets its turn.
      for (let i = 0; i < 500; i++) spool.append(1, { n: round * 500 + i, ...record });
      await spool.whenDurable().catch(() => undefined);
    }
    const stats = spool.stats();
    expect(stats.appended + stats.refusedFull).toBe(total);
    expect(stats.refusedFull).toBeGreaterThan(0);
    expect(stats.bytesOnDisk).toBeLessThanOrEqual(maxBytes + recordBytes);
    // The bound is used, not just respected: refusals start near it.
    expect(stats.bytesOnDisk).toBeGreaterThan(maxBytes * 0.9);
    await spool.close();
  });

  it("whenDurable in interval mode resolves at the next sync; group mode (0) resolves per write", async () => {
    const dir = tmpSpoolDir();
    const interval = await openSpool({ dir, syncIntervalMs: 50, flushIntervalMs: 5 });
    interval.append(1, { n: 1 });
    await expect(interval.whenDurable()).resolves.toBeUndefined();
    await interval.close();
    const group = await openSpool({ dir, syncIntervalMs: 0 });
    const waits = Array.from({ length: 50 }, (_, n) => group.whenDurable(group.append(1, { n })));
    await expect(Promise.all(waits)).resolves.toHaveLength(50);
    await group.close();
  });

  it("rejects bad options with a typed error naming the field and value", async () => {
    await expect(openSpool({ dir: tmpSpoolDir(), segmentBytes: 10 })).rejects.toMatchObject({ code: "invalid_option", message: expect.stringContaining("segmentBytes") as string });
    await expect(openSpool({ dir: tmpSpoolDir(), syncIntervalMs: -1 })).rejects.toThrow(/syncIntervalMs.*-1/);
  });

  it("skips (and reports once) unserialisable payloads and bad types without throwing", async () => {
    const dir = tmpSpoolDir();
    const errors: string[] = [];
    const spool = await openSpool({ dir, syncIntervalMs: 0, onError: (e) => errors.push(e.code) });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(spool.append(0, {})).toBeUndefined();
    spool.append(1, cyclic);
    spool.append(1, { ok: true });
    await spool.whenDurable();
    expect(spool.stats().badRecords).toBe(2);
    expect(errors).toEqual(["bad_record"]);
    await spool.close();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map(jsonOf)).toEqual([{ ok: true }]);
    await next.close();
  });

  it("drains orphans oldest first and flattens orphans an orphan had adopted", async () => {
    const dir = tmpSpoolDir();
    await writeOrphan(dir, [{ o: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await writeOrphan(dir, [{ o: 2 }]);
    // A writer that adopted both and died before draining them.
    const middle = await openSpool({ dir });
    await middle.adoptOrphans();
    await middle.close();
    markDead(middle.dir);
    const { spool, records } = await adoptAll(dir);
    expect(records.map(jsonOf)).toEqual([{ o: 1 }, { o: 2 }]);
    expect(spool.stats().adoptedDirs).toBe(3);
    await spool.close();
  });
});

describe("Spool adopting: directories left half-created", () => {
  it("removes a .creating- directory whose LOCK names a dead process, an hour-old one without a LOCK, and keeps a live one", async () => {
    const dir = tmpSpoolDir();
    // A LOCK naming this (live) process, as any open spool writes it.
    const other = await openSpool({ dir: tmpSpoolDir() });
    const liveLock = fs.readFileSync(path.join(other.dir, "LOCK"));
    await other.close();
    const dead = path.join(dir, `.creating-w-h-${process.pid}-${Date.now()}-0000000a`);
    const live = path.join(dir, `.creating-w-h-${process.pid}-${Date.now()}-0000000b`);
    const oldNoLock = path.join(dir, `.creating-w-h-1-${Date.now() - 2 * 3600_000}-0000000c`);
    const youngNoLock = path.join(dir, `.creating-w-h-1-${Date.now()}-0000000d`);
    for (const d of [dead, live, oldNoLock, youngNoLock]) fs.mkdirSync(d);
    // This host, another boot: provably dead (what a reboot leaves behind).
    fs.writeFileSync(path.join(dead, "LOCK"), JSON.stringify({ ...(JSON.parse(liveLock.toString("utf8")) as object), bootId: "00000000-dead-boot" }));
    fs.writeFileSync(path.join(live, "LOCK"), liveLock);
    const { spool } = await adoptAll(dir);
    const left = fs.readdirSync(dir).filter((n) => n.startsWith(".creating-")).sort();
    expect(left).toEqual([path.basename(live), path.basename(youngNoLock)].sort());
    await spool.close();
  });
});

describe("Spool adopting an orphan with no records", () => {
  it("removes the emptied directory once its backlog is read", async () => {
    const dir = tmpSpoolDir();
    const dying = await openSpool({ dir });
    dying.flushSync(); // the exit path keeps the directory (header-only segment, LOCK) for adoption
    const orphan = dying.dir;
    expect(segmentFiles(orphan)).toEqual(["00000001.seg"]);
    markDead(orphan);
    const { spool, records } = await adoptAll(dir);
    expect(records).toEqual([]);
    await spool.close();
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("w-"))).toEqual([]);
    expect(fs.existsSync(orphan)).toBe(false);
  });
});

describe("Spool.flushSync", () => {
  it("writes and syncs everything appended with synchronous calls, and closes", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, flushIntervalMs: 60_000 });
    for (let n = 0; n < 1000; n++) spool.append(1, { n });
    spool.flushSync();
    expect(spool.stats()).toMatchObject({ state: "closed", written: 1000 });
    expect(spool.append(1, {})).toBeUndefined();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map((r) => (jsonOf(r) as { n: number }).n)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    await next.close();
  });

  it("writes all of it when it is more than one encoder buffer (64 KiB): it used to stop there", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, flushIntervalMs: 60_000, flushRecords: 1_000_000 });
    const filler = "x".repeat(300);
    for (let n = 0; n < 3000; n++) spool.append(1, { n, filler });
    spool.flushSync();
    expect(spool.stats()).toMatchObject({ state: "closed", written: 3000 });
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map((r) => (jsonOf(r) as { n: number }).n)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    await next.close();
  });
});

describe("Spool.flushSync with acks that came before their records were written", () => {
  it("writes those acks too (creating the acks file): the next process finds only what was not delivered", async () => {
    const dir = tmpSpoolDir();
    const spool = await openSpool({ dir, flushIntervalMs: 60_000 });
    const refs = Array.from({ length: 1000 }, (_, n) => spool.append(1, { n })!);
    spool.ack(refs.slice(0, 990)); // delivered within the flusher's interval: nothing written yet
    spool.ack(refs[995]!);
    expect(fs.existsSync(path.join(spool.dir, "acks"))).toBe(false);
    spool.flushSync();
    expect(spool.stats()).toMatchObject({ state: "closed", written: 1000, acked: 991, recordsOnDisk: 9 });
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map((r) => (jsonOf(r) as { n: number }).n)).toEqual([990, 991, 992, 993, 994, 996, 997, 998, 999]);
    await next.close();
  });
});

/** A spool whose asynchronous writes never land once it is open, as when the process dies before the thread pool ran them. */
async function spoolWithHangingWrites() {
  const fsi = new FaultyFs();
  const realWrite = fsi.write;
  let hang = false;
  let started = 0;
  fsi.write = (...args) => {
    if (!hang) return realWrite(...args);
    started++;
    return new Promise<number>(() => undefined);
  };
  const dir = tmpSpoolDir();
  const spool = await openSpool({ dir, fs: fsi, flushIntervalMs: 1 });
  hang = true;
  return { dir, spool, writesStarted: () => started };
}

describe("Spool.flushSync with an asynchronous write in flight", () => {
  it("writes the in-flight chunk again, synchronously: a signal death must not lose it with the thread pool's write", async () => {
    const { dir, spool, writesStarted } = await spoolWithHangingWrites();
    for (let n = 0; n < 100; n++) spool.append(1, { n });
    await vi.waitFor(() => expect(writesStarted()).toBe(1));
    for (let n = 100; n < 150; n++) spool.append(1, { n });
    spool.flushSync();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map((r) => (jsonOf(r) as { n: number }).n)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    await next.close();
  });
});

describe("Spool.flushSync with an asynchronous write in flight and its records acknowledged", () => {
  it("applies those acks to the chunk it writes again: they are not sent again by the next process", async () => {
    const { dir, spool, writesStarted } = await spoolWithHangingWrites();
    const inFlight = Array.from({ length: 100 }, (_, n) => spool.append(1, { n })!);
    await vi.waitFor(() => expect(writesStarted()).toBe(1));
    const after = Array.from({ length: 50 }, (_, n) => spool.append(1, { n: 100 + n })!);
    spool.ack([...inFlight.slice(0, 60), ...after.slice(0, 40)]);
    spool.flushSync();
    markDead(spool.dir);
    const { spool: next, records } = await adoptAll(dir);
    const left = [...Array.from({ length: 40 }, (_, i) => 60 + i), ...Array.from({ length: 10 }, (_, i) => 140 + i)];
    expect(records.map((r) => (jsonOf(r) as { n: number }).n)).toEqual(left);
    await next.close();
  });
});

describe("Spool.close with records left", () => {
  it("releases its LOCK: a later spool of the same (live) process adopts the leftovers, once", async () => {
    const dir = tmpSpoolDir();
    const first = await openSpool({ dir, syncIntervalMs: 0 });
    first.append(1, { n: 1 });
    const acked = first.append(1, { n: 2 })!;
    await first.whenDurable();
    first.ack(acked);
    await first.close();
    expect(fs.existsSync(first.dir)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(first.dir, "LOCK"), "utf8"))).toMatchObject({ pid: process.pid, released: true });

    const { spool: second, records } = await adoptAll(dir);
    expect(records.map(jsonOf)).toEqual([{ n: 1 }]);
    const third = await openSpool({ dir });
    expect((await third.adoptOrphans()).adopted).toEqual([]); // the rename has one winner
    second.ack(records.map((r) => r.ref));
    await second.close();
    await third.close();
    expect(fs.readdirSync(dir).filter((name) => name.startsWith("w-"))).toEqual([]);
  });

  it("keeps its LOCK (owner alive) while open: a sibling spool does not adopt it", async () => {
    const dir = tmpSpoolDir();
    const open = await openSpool({ dir, syncIntervalMs: 0 });
    open.append(1, { n: 1 });
    await open.whenDurable();
    const sibling = await openSpool({ dir });
    expect((await sibling.adoptOrphans()).adopted).toEqual([]);
    await sibling.close();
    await open.close();
  });
});
