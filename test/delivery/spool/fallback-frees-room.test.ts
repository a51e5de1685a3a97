/**
 * A disk smaller than one segment (review 14, F3): with the default 16 MiB segments, a 3 MiB disk
 * fills up inside the first segment. Once Syvain acknowledged its records, that segment is garbage,
 * and deleting it is the only way room comes back: the retry deletes it before it tries a fresh
 * segment, so the spool leaves its memory fallback instead of staying there for the process's life.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openSpool, type Spool, type SpoolError } from "../../../src/delivery/spool/index.ts";
import { SmallDiskFs } from "./small-disk-fs.ts";
import { FaultyFs } from "./faulty-fs.ts";
import { adoptAll, drain, jsonOf, markDead, segmentFiles, tmpSpoolDir, writeOrphan, writerDirs } from "./spool-helpers.ts";

const pad = "x".repeat(200);

interface Failed {
  dir: string;
  disk: SmallDiskFs;
  spool: Spool;
  /** The records written before the disk was full (in the first segment), unacknowledged. */
  onDisk: number[];
  errors: SpoolError[];
}

/**
 * A spool on a small disk that a write just found full. `cutBackHeld`: the failed segment's
 * cut-back (ftruncate, then close) waits for it, as on a slow disk.
 */
async function failedForRoom(options: { now?: () => number; retryMs?: number; cutBackHeld?: Promise<void> } = {}): Promise<Failed> {
  const dir = tmpSpoolDir();
  const disk = new SmallDiskFs(dir);
  const { cutBackHeld } = options;
  if (cutBackHeld) {
    const { ftruncate } = disk;
    disk.ftruncate = async (fd, length) => {
      await cutBackHeld;
      return ftruncate(fd, length);
    };
  }
  const errors: SpoolError[] = [];
  const spool = await openSpool({ dir, fs: disk, syncIntervalMs: 0, retryMs: options.retryMs ?? 0, onError: (e) => errors.push(e), ...(options.now ? { now: options.now } : {}) });
  const onDisk = Array.from({ length: 50 }, (_, n) => spool.append(1, { n, pad })!);
  await spool.whenDurable();
  disk.fillUp();
  const doomed = spool.append(1, { n: 50, pad })!;
  await expect(spool.whenDurable(doomed)).rejects.toMatchObject({ code: "io", errno: "ENOSPC" });
  expect(spool.stats().state).toBe("fallback");
  return { dir, disk, spool, onDisk, errors };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

/** Lets the spool's file calls in flight run (a probe, a cut-back): a few turns of real I/O. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("a spool on a disk smaller than one segment", () => {
  it("leaves fallback once its records are acknowledged: the retry deletes their segment first, then new appends are spooled again", async () => {
    const { dir, disk, spool, onDisk, errors } = await failedForRoom();
    // Nothing acknowledged yet: no room for a fresh segment, the retries keep failing.
    spool.probeDisk();
    await settle();
    expect(spool.stats().state).toBe("fallback");
    expect(segmentFiles(spool.dir)).toEqual(["00000001.seg"]); // the fresh segment it could not write is not left behind, empty

    spool.ack(onDisk); // Syvain took them, from memory
    await until(() => (spool.probeDisk(), spool.stats().state === "active"));
    // The acknowledged segment is gone, a fresh one took its room.
    expect(segmentFiles(spool.dir)).toHaveLength(1);
    expect(segmentFiles(spool.dir)).not.toContain("00000001.seg");
    const refusedBefore = spool.stats().refusedFallback;
    const later = [spool.append(1, { n: 100, pad }), spool.append(1, { n: 101, pad })];
    expect(later).not.toContain(undefined);
    await spool.whenDurable();
    expect(spool.stats()).toMatchObject({ state: "active", refusedFallback: refusedBefore, fallbacks: 1 });
    expect(errors.map((e) => e.errno)).toEqual(["ENOSPC"]); // the failure, said once
    expect(disk.used()).toBeLessThanOrEqual(disk.capacity);

    // What the next process finds: only the records appended since, nothing acknowledged resent.
    await spool.close();
    markDead(spool.dir);
    disk.capacity = Number.POSITIVE_INFINITY;
    const { spool: next, records } = await adoptAll(dir);
    expect(records.map((r) => (jsonOf(r) as { n: number }).n)).toEqual([100, 101]);
    await next.close();
  });

  it("the retry waits for the failed segment to be cut back and closed: a deleted file frees its room only at its last close", async () => {
    let t = 0;
    let release!: () => void;
    const cutBackHeld = new Promise<void>((resolve) => (release = resolve));
    const { spool, onDisk } = await failedForRoom({ now: () => t, retryMs: 1000, cutBackHeld });
    spool.ack(onDisk);
    t += 1000;
    spool.probeDisk(); // due; the cut-back has not finished
    await settle();
    expect(spool.stats().state).toBe("fallback");
    release();
    // The clock stands still, so no later retry is due: the retry in progress must be the one that succeeds.
    await until(() => spool.stats().state === "active");
    expect(segmentFiles(spool.dir)).toEqual(["00000002.seg"]); // the first try, after the cut-back
    await spool.close();
  });

  it("an adopted folder delivered in fallback is removed by the retry, and its acks, unwritten, do not fail the spool again", async () => {
    const dir = tmpSpoolDir();
    const orphan = await writeOrphan(dir, [{ n: 1 }, { n: 2 }]);
    const faulty = new FaultyFs();
    const errors: SpoolError[] = [];
    const spool = await openSpool({ dir, fs: faulty, syncIntervalMs: 0, retryMs: 0, onError: (e) => errors.push(e) });
    faulty.failing.set("write", "ENOSPC");
    await expect(spool.whenDurable(spool.append(1, { n: 3 }))).rejects.toMatchObject({ errno: "ENOSPC" });
    await spool.adoptOrphans();
    const records = await drain(spool);
    expect(records).toHaveLength(2);
    spool.ack(records.map((r) => r.ref)); // delivered: its acks wait in memory (fallback)
    faulty.failing.delete("write");
    await until(() => (spool.probeDisk(), spool.stats().state === "active"));
    await settle();
    expect(spool.stats()).toMatchObject({ state: "active", fallbacks: 1 });
    expect(errors.map((e) => e.errno)).toEqual(["ENOSPC"]);
    expect(writerDirs(dir).filter((d) => d.includes(path.basename(orphan)))).toEqual([]);
    await spool.close();
  });

  it("with a record held for the whole run in its first segment (the run's `running` status), segments sized to the disk leave fallback too (review 15, N3)", async () => {
    const dir = tmpSpoolDir();
    const disk = new SmallDiskFs(dir);
    disk.capacity = 160 * 1024; // known when the spool opens: segments of an eighth of it, not 16 MiB
    const spool = await openSpool({ dir, fs: disk, syncIntervalMs: 0, retryMs: 0, onError: () => undefined });
    const held = spool.append(1, { n: -1, pad })!; // never acknowledged while the run lives
    const written: number[] = [];
    for (let n = 0; spool.stats().state === "active" && n < 5_000; n++) {
      const ref = spool.append(1, { n, pad });
      if (ref === undefined) break;
      await spool.whenDurable(ref).then(
        () => void written.push(ref),
        () => undefined,
      );
    }
    expect(spool.stats().state).toBe("fallback");
    spool.ack(written); // Syvain took everything but the held record
    // Only the first segment stays (the held record); the sealed ones go, and a fresh segment finds room.
    await until(() => (spool.probeDisk(), spool.stats().state === "active"));
    const later = spool.append(1, { n: 10_000, pad });
    expect(later).toBeDefined();
    await spool.whenDurable(later);
    expect(segmentFiles(spool.dir)).toContain("00000001.seg");
    spool.ack([held]);
    await spool.close();
  });
});
