/**
 * Writer folders of this kernel under another hostname: another container of this machine sharing
 * the volume (a recreated bridge container has a new hostname, its container id). Its LOCK's pid
 * means nothing here, so its live socket (`LIVE`) decides: listening, the writer runs; refused (its
 * process died, SIGKILL included), it is dead and adopted like any dead writer's folder. A LOCK
 * without a socket, of another boot, or whose socket proves nothing stays `other-host`, as before.
 * The writers are real child processes (`fixtures/append-child.ts`), killed with SIGKILL.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSpool, scanSpool, type ScanOptions } from "../../../src/delivery/spool/index.ts";
import { startChild, type RunningChild } from "./append-child-process.ts";
import { drain, jsonOf, markOtherContainer, rewriteLock, tmpSpoolDir } from "./spool-helpers.ts";

const CONTAINER = "3f2a9c1b7d4e";
let running: RunningChild | undefined;

afterEach(async () => {
  running?.child.kill("SIGKILL");
  await running?.exited;
  running = undefined;
});

/** A child writing in a fresh spool directory, durable past 500 records, its LOCK naming `CONTAINER`. */
async function childInAnotherContainer(): Promise<{ dir: string; childDir: string; child: RunningChild }> {
  const dir = tmpSpoolDir();
  running = startChild(dir, 0, 64 * 1024);
  const childDir = await running.writerDir;
  await running.durableAtLeast(500);
  markOtherContainer(childDir, CONTAINER);
  return { dir, childDir, child: running };
}

async function judged(dir: string, childDir: string, options: ScanOptions = {}): Promise<{ liveness: string; otherMachine?: string }> {
  const writer = (await scanSpool(dir, options)).writers.find((w) => w.path === childDir);
  expect(writer).toBeDefined();
  return { liveness: writer!.liveness, ...(writer!.otherMachine === undefined ? {} : { otherMachine: writer!.otherMachine }) };
}

async function killed(child: RunningChild): Promise<void> {
  child.child.kill("SIGKILL");
  await child.exited;
}

describe("a writer folder of this kernel under another hostname (another container)", () => {
  it("is alive while its process listens (never adopted), dead once it was SIGKILLed: adopted once, every record recovered in order", async () => {
    const { dir, childDir, child } = await childInAnotherContainer();
    expect(fs.statSync(path.join(childDir, "LIVE")).isSocket()).toBe(true);
    expect(await judged(dir, childDir)).toEqual({ liveness: "alive" });
    // Not another machine's: even `sync --from-other-machine` leaves a live one.
    expect(await judged(dir, childDir, { otherMachines: "finished" })).toEqual({ liveness: "alive" });
    const a = await openSpool({ dir });
    expect((await a.adoptOrphans({ otherMachines: "finished" })).adopted).toEqual([]);

    await killed(child);
    const reported = child.highest();
    expect(await judged(dir, childDir)).toEqual({ liveness: "dead" });
    const b = await openSpool({ dir });
    const [ra, rb] = await Promise.all([a.adoptOrphans(), b.adoptOrphans()]);
    expect(ra.adopted.length + rb.adopted.length).toBe(1);
    const numbers = [...(await drain(a)), ...(await drain(b))].map((r) => (jsonOf(r) as { n: number }).n);
    expect(numbers.length).toBeGreaterThan(reported);
    expect(numbers.every((n, i) => n === i)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  }, 30_000);

  it("stays other-host without a socket recorded (an older version's LOCK), or when its socket proves nothing (no file, another filesystem instance)", async () => {
    const { dir, childDir, child } = await childInAnotherContainer();
    await killed(child);
    const dev = (JSON.parse(fs.readFileSync(path.join(childDir, "LOCK"), "utf8")) as { liveSocket: { dev: string } }).liveSocket.dev;
    const otherHost = { liveness: "other-host", otherMachine: CONTAINER };

    rewriteLock(childDir, ({ liveSocket: _socket, ...lock }) => lock);
    expect(await judged(dir, childDir)).toEqual(otherHost);
    // The LOCK's device is not the folder's as seen here: a refusal may only mean another mount.
    rewriteLock(childDir, (lock) => ({ ...lock, liveSocket: { dev: `${dev}0` } }));
    expect(await judged(dir, childDir)).toEqual(otherHost);
    // Removed socket file: deleted by someone, maybe while its writer ran. Proves nothing.
    rewriteLock(childDir, (lock) => ({ ...lock, liveSocket: { dev } }));
    expect(await judged(dir, childDir)).toEqual({ liveness: "dead" });
    fs.unlinkSync(path.join(childDir, "LIVE"));
    expect(await judged(dir, childDir)).toEqual(otherHost);
    const spool = await openSpool({ dir });
    expect((await spool.adoptOrphans()).adopted).toEqual([]);
    await spool.close();
  }, 30_000);

  it("of another boot (another machine) stays other-host even with a stale socket", async () => {
    const { dir, childDir, child } = await childInAnotherContainer();
    await killed(child);
    expect(await judged(dir, childDir)).toEqual({ liveness: "dead" });
    rewriteLock(childDir, (lock) => ({ ...lock, bootId: "boot-of-another-machine" }));
    expect(await judged(dir, childDir)).toEqual({ liveness: "other-host", otherMachine: CONTAINER });
  }, 30_000);
});

describe("a writer folder of this hostname whose pid is not this process's to see (another PID namespace)", () => {
  it("is alive while its socket answers, whatever the pid check says; dead once refused", async () => {
    const dir = tmpSpoolDir();
    running = startChild(dir, 0, 64 * 1024);
    const childDir = await running.writerDir;
    await running.durableAtLeast(100);
    // Another start time: the pid check's "that pid is another process now" (pid reuse), as a pid of another namespace reads here.
    rewriteLock(childDir, (lock) => ({ ...lock, startTicks: "1" }));
    expect(await judged(dir, childDir)).toEqual({ liveness: "alive" });
    await killed(running);
    expect(await judged(dir, childDir)).toEqual({ liveness: "dead" });
  }, 30_000);

  it("whose socket file is gone is not taken (review 15, N2): its pid means nothing here, so it may run; of our own PID namespace, the pid check holds", async () => {
    const dir = tmpSpoolDir();
    running = startChild(dir, 0, 64 * 1024);
    const childDir = await running.writerDir;
    await running.durableAtLeast(100);
    expect(fs.readFileSync(path.join(childDir, "LOCK"), "utf8")).toContain('"pidNs":"pid:[');
    // Its pid as another namespace's reads here, and a tmp cleaner removed its socket while it runs.
    rewriteLock(childDir, (lock) => ({ ...lock, startTicks: "1", pidNs: "pid:[1]" }));
    fs.unlinkSync(path.join(childDir, "LIVE"));
    expect((await judged(dir, childDir)).liveness).toBe("other-host"); // was "dead": adopted while it ran
    const spool = await openSpool({ dir });
    expect((await spool.adoptOrphans()).adopted).toEqual([]);
    await spool.close();
    // The same folder, of our PID namespace: the pid check is right, and a dead writer is taken.
    await killed(running);
    rewriteLock(childDir, ({ pidNs: _ns, ...lock }) => ({ ...lock, pidNs: fs.readlinkSync("/proc/self/ns/pid") }));
    expect(await judged(dir, childDir)).toEqual({ liveness: "dead" });
  }, 30_000);
});

describe("the live socket's own lifecycle", () => {
  it("the LOCK records it with the folder's device; a close takes it away, whether the folder is released or removed", async () => {
    const dir = tmpSpoolDir();
    const kept = await openSpool({ dir, syncIntervalMs: 0 });
    const lock = JSON.parse(fs.readFileSync(path.join(kept.dir, "LOCK"), "utf8")) as { liveSocket?: { dev: string } };
    expect(lock.liveSocket).toEqual({ dev: String(fs.statSync(kept.dir, { bigint: true }).dev) });
    kept.append(1, { n: 1 });
    await kept.close();
    expect(fs.readdirSync(kept.dir).sort()).toEqual(["00000001.seg", "LOCK"]);
    expect(JSON.parse(fs.readFileSync(path.join(kept.dir, "LOCK"), "utf8"))).toMatchObject({ released: true });

    const emptied = await openSpool({ dir });
    await emptied.adoptOrphans();
    const records = await drain(emptied);
    emptied.ack(records.map((r) => r.ref));
    await emptied.close();
    expect(fs.readdirSync(dir)).toEqual(["FORMAT"]);
  });
});
