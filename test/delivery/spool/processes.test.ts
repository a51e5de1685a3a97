/**
 * Real processes: (c) kill -9 at random moments loses nothing reported durable and duplicates
 * nothing; (f) live writers keep distinct directories and an orphan is adopted exactly once.
 */
import { describe, expect, it } from "vitest";
import { openSpool, scanSpool } from "../../../src/delivery/spool/index.ts";
import { startChild } from "./append-child-process.ts";
import { drain, jsonOf, tmpSpoolDir } from "./spool-helpers.ts";

async function killTrial(syncMs: number, threshold: number): Promise<void> {
  const dir = tmpSpoolDir();
  const running = startChild(dir, syncMs, 64 * 1024);
  await running.durableAtLeast(threshold);
  running.child.kill("SIGKILL");
  await running.exited;
  // Everything the child printed before dying was durable: the last line read is a lower bound.
  const reported = running.highest();
  const spool = await openSpool({ dir });
  const adopted = await spool.adoptOrphans();
  expect(adopted.adopted).toHaveLength(1);
  const numbers = (await drain(spool)).map((r) => (jsonOf(r) as { n: number }).n);
  // Exactly once and in order: the recovered numbers are 0..k with no gap or repeat, and k covers every report.
  const context = `sync ${syncMs} ms, killed after ${threshold}+ durable, reported ${reported}, recovered ${numbers.length}`;
  expect(numbers.length, context).toBeGreaterThan(reported);
  expect(numbers.every((n, i) => n === i), context).toBe(true);
  expect(spool.stats().corruptRecords).toBe(0);
  await spool.close();
}

describe("spool across processes", () => {
  it("(c) kill -9 at random moments: every record reported durable is recovered exactly once, in order", async () => {
    for (let trial = 0; trial < 10; trial++) {
      // Group commit and a short sync interval; thresholds spread kills over rotations (64 KiB segments).
      await killTrial(trial % 2 ? 0 : 20, Math.floor(Math.random() * 4000));
    }
  }, 120_000);

  it("(f) a live writer's directory is never adopted; once dead it is adopted by exactly one of two live spools", async () => {
    const dir = tmpSpoolDir();
    const running = startChild(dir, 0, 64 * 1024);
    const childDir = await running.writerDir;
    await running.durableAtLeast(1000);
    const a = await openSpool({ dir });
    const b = await openSpool({ dir });
    expect(new Set([a.dir, b.dir, childDir]).size).toBe(3);
    expect((await a.adoptOrphans()).adopted).toEqual([]);
    const live = await scanSpool(dir);
    expect(live.writers.find((w) => w.path === childDir)).toMatchObject({ liveness: "alive" });
    expect(live.writers.find((w) => w.path === a.dir)).toMatchObject({ liveness: "alive" });

    running.child.kill("SIGKILL");
    await running.exited;
    const dead = await scanSpool(dir);
    expect(dead.writers.find((w) => w.path === childDir)).toMatchObject({ liveness: "dead" });
    expect(dead.writers.find((w) => w.path === childDir)!.bytes).toBeGreaterThan(0);

    const [ra, rb] = await Promise.all([a.adoptOrphans(), b.adoptOrphans()]);
    expect(ra.adopted.length + rb.adopted.length).toBe(1);
    const [na, nb] = [(await drain(a)).length, (await drain(b)).length];
    expect(Math.min(na, nb)).toBe(0);
    expect(Math.max(na, nb)).toBeGreaterThan(1000);
    await a.close();
    await b.close();
  }, 60_000);
});
