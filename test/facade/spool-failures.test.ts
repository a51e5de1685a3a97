/**
 * The Collector's spool when things go wrong, at the facade level, with real processes: a full disk,
 * a corrupt segment left by a dead process, two live processes sharing one directory, and a spool
 * written by another format version. Each gets one clear message, and nothing else is lost.
 * (A directory that cannot be created at all: test/facade/spool-collector.test.ts.)
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { Collector } from "../../src/facade/index.ts";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { spawnFixture, type Child } from "./child-runner.ts";
import { writerDirs } from "../delivery/spool/spool-helpers.ts";

const worker = path.join(import.meta.dirname, "fixtures", "spool-worker.ts");
let emulator: Emulator;
let root: string;

beforeAll(async () => {
  emulator = await startEmulator();
  root = mkdtempSync(path.join(tmpdir(), "syvain-spool-failures-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(root, { recursive: true, force: true });
});
afterEach(() => void emulator.faults.clear());

const server = (): { host: string; apiKey: string } => ({ host: emulator.url, apiKey: emulator.apiKey });

function startWorker(slug: string, mode: "online" | "offline", count: number, spoolDir: string, fileSizeLimitKiB?: number): Child {
  return spawnFixture(worker, [slug, mode, String(count)], server(), { env: { SYVAIN_SPOOL_DIR: spoolDir }, ...(fileSizeLimitKiB === undefined ? {} : { fileSizeLimitKiB }) });
}

/** `close`s a worker and gives its `collector.stats().spool`. */
async function closeWorker(child: Child): Promise<{ stats: Record<string, unknown>; stderr: string }> {
  child.write("close\n");
  const result = await child.result;
  expect(result.code, result.stderr).toBe(0);
  const line = result.stdout.split("\n").find((l) => l.startsWith("stats "));
  return { stats: JSON.parse(line?.slice(6) ?? "null") as Record<string, unknown>, stderr: result.stderr };
}

/** A worker logs `count` points offline and closes: they stay in the spool, for the next process to deliver. */
async function leaveOfflineRun(slug: string, count: number, spoolDir: string): Promise<void> {
  const child = startWorker(slug, "offline", count, spoolDir);
  await child.printed("open");
  child.write("go\n");
  await child.printed("logged");
  await closeWorker(child);
}

function expectStepsOnce(slug: string, count: number): void {
  const steps = emulator.store.metrics(slug).map((m) => m.step);
  expect(steps).toHaveLength(count);
  expect(new Set(steps).size).toBe(count);
}

/** Collects the `SyvainSpoolWarning`s this process emits while `run` runs. */
async function spoolWarnings(run: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const listener = (w: Error): void => void (w.name === "SyvainSpoolWarning" && warnings.push(w.message));
  process.on("warning", listener);
  try {
    await run();
    await vi.waitFor(() => undefined); // warnings are emitted on a later tick
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", listener);
  }
  return warnings;
}

describe("Collector spool failures", () => {
  it("disk full (a file-size limit: writes fail with EFBIG): one warning, counted, every event still delivered", async () => {
    const spoolDir = path.join(root, "full");
    const child = startWorker("spool-disk-full", "online", 3000, spoolDir, 64);
    await child.printed("open");
    // Syvain unavailable while the points are logged: none is delivered before the spool's flusher
    // reaches it (a delivered point is never written), so the writes run into the size limit.
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503 }] });
    child.write("go\n");
    await child.printed("logged");
    await vi.waitFor(() => expect(child.stderrSoFar()).toContain("SyvainSpoolWarning"), { timeout: 15_000 });
    emulator.faults.clear();
    const { stats, stderr } = await closeWorker(child);
    const warnings = stderr.split("\n").filter((l) => l.includes("SyvainSpoolWarning"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/spool write failed on .*\.seg: EFBIG; events are kept in memory only/);
    expect(stats.fallbacks).toBeGreaterThanOrEqual(1);
    expect(stats.notSpooled).toBeGreaterThan(0);
    expectStepsOnce("spool-disk-full", 3000);
    expect(emulator.store.experiment("spool-disk-full")?.status).toBe("done");

    // What the full disk left behind: the records written before the failure were delivered from
    // memory once Syvain was back, and acknowledged (the acks file still takes writes), and the failed write's partial
    // tail was cut off. The next run finds nothing to resend, and above all does not relabel the
    // finished run `failed` from its old `running` record.
    expect(writerDirs(spoolDir)).toHaveLength(1);
    const next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
    await next.experiment("spool-disk-full-next");
    await next.close();
    expect(next.stats().spool?.resumed).toBe(0);
    expectStepsOnce("spool-disk-full", 3000);
    expect(writerDirs(spoolDir)).toEqual([]);
    expect(emulator.store.experiment("spool-disk-full")?.status).toBe("done");
    expect(emulator.store.annotations("spool-disk-full")).toEqual([]);
  });

  it("no room for its writer folder: a dead run's leftovers are said not delivered, with why; its own events are delivered from memory, and the next process with room delivers the dead run's", async () => {
    const spoolDir = path.join(root, "no-room");
    await leaveOfflineRun("spool-no-room-dead", 500, spoolDir);
    const left = writerDirs(spoolDir);
    expect(left).toHaveLength(1);

    // The disk has no room left: under `ulimit -f 0` no write succeeds (EFBIG), not even a LOCK.
    const child = startWorker("spool-no-room", "online", 10, spoolDir, 0);
    await child.printed("open");
    child.write("go\n");
    await child.printed("logged");
    const { stderr } = await closeWorker(child);
    const warnings = stderr.split("\n").filter((l) => l.includes("SyvainSpoolWarning"));
    expect(warnings).toEqual([
      expect.stringMatching(/spool create writer directory failed on .*: EFBIG; events are kept in memory only/),
      expect.stringMatching(/could not take over 1 writer folder\(s\) of processes no longer running \(.*\): spool create writer directory failed on .*: EFBIG; they stay there, their records not delivered\. .*syvain-otel sync/),
    ]);
    expect(warnings[1]).toContain(path.basename(left[0]!));
    expectStepsOnce("spool-no-room", 10);
    expect(emulator.store.experiment("spool-no-room-dead")).toBeUndefined();
    expect(writerDirs(spoolDir)).toEqual(left); // left where it was, and no half-made folder beside it

    const next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
    await next.experiment("spool-no-room-next");
    await next.close();
    expectStepsOnce("spool-no-room-dead", 500);
  });

  it("a corrupt segment of a dead process: every intact record delivered, the damaged one skipped with a message naming the file", async () => {
    const spoolDir = path.join(root, "corrupt");
    await leaveOfflineRun("spool-corrupt", 1000, spoolDir);
    const segment = writerDirs(spoolDir).map((d) => path.join(spoolDir, d, "00000001.seg")).find((f) => existsSync(f));
    expect(segment).toBeDefined();
    const bytes = readFileSync(segment!);
    const middle = Math.floor(bytes.length / 2);
    for (let i = middle; i < middle + 4; i++) bytes[i] = bytes[i]! ^ 0xff;
    writeFileSync(segment!, bytes);

    let next: Collector | undefined;
    const warnings = await spoolWarnings(async () => {
      next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
      const own = await next.experiment("spool-corrupt-next");
      own.metric("loss", 1, { step: 0 });
      await next.close();
    });
    // Four flipped bytes inside one record: that record, and only it, is lost.
    expectStepsOnce("spool-corrupt-next", 1);
    const steps = emulator.store.metrics("spool-corrupt").map((m) => m.step);
    expect(steps).toHaveLength(999);
    expect(new Set(steps).size).toBe(999);
    expect(next?.stats().spool?.tornRecordsSkipped).toBe(1);
    // Named where it is read: in the adopting writer's `adopted/` folder, under the dead writer's name.
    const named = path.join(path.basename(path.dirname(segment!)), "00000001.seg");
    expect(warnings.filter((w) => w.includes(named))).toEqual([expect.stringMatching(/1 damaged region.* skipped/)]);
  });

  it("two live processes on one directory: neither takes the other's records, each delivers its own exactly once", async () => {
    const spoolDir = path.join(root, "shared");
    // Syvain refuses ingestion for now: both writers hold unacknowledged records while the other opens.
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const a = startWorker("spool-shared-a", "online", 800, spoolDir);
    await a.printed("open");
    a.write("go\n");
    await a.printed("logged");
    const b = startWorker("spool-shared-b", "online", 800, spoolDir);
    await b.printed("open");
    b.write("go\n");
    await b.printed("logged");
    await vi.waitFor(() => expect(writerDirs(spoolDir)).toHaveLength(2), { timeout: 10_000 });
    emulator.faults.clear();
    const [closedA, closedB] = await Promise.all([closeWorker(a), closeWorker(b)]);
    expect(closedA.stats.resumed).toBe(0);
    expect(closedB.stats.resumed).toBe(0);
    expectStepsOnce("spool-shared-a", 800);
    expectStepsOnce("spool-shared-b", 800);
    expect(writerDirs(spoolDir)).toEqual([]); // each delivered and removed only its own
  });

  it.each([
    ["an older", 0],
    ["a newer", 2],
  ])("a spool of %s format version: a clear message, the directory left untouched, the Collector works from memory", async (_label, format) => {
    const spoolDir = path.join(root, `format-${format}`);
    const hostDir = hostSpoolDir(spoolDir, emulator.url);
    mkdirSync(path.join(hostDir, "w-otherhost-1-1-1"), { recursive: true });
    writeFileSync(path.join(hostDir, "FORMAT"), JSON.stringify({ format }));
    writeFileSync(path.join(hostDir, "w-otherhost-1-1-1", "00000001.seg"), "segments of another version");
    const before = snapshot(hostDir);
    const slug = `spool-format-${format}`;
    let collector: Collector | undefined;
    const warnings = await spoolWarnings(async () => {
      collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir, flushDelaySeconds: 0.01 });
      const experiment = await collector.experiment(slug);
      await experiment.run(() => {
        for (let step = 0; step < 200; step++) experiment.metric("loss", step, { step });
      });
      await collector.close();
    });
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`FORMAT ${format}, this version reads format 1; its files are left untouched.*events are kept in memory only`))]);
    expect(collector?.stats().spool).toMatchObject({ state: "closed", fallbacks: 1, notSpooled: 200 + 2 });
    expectStepsOnce(slug, 200);
    expect(snapshot(hostDir)).toEqual(before);
  });
});

/** Every file under `dir` with its size and modification time. */
function snapshot(dir: string): Record<string, string> {
  const files = readdirSync(dir, { recursive: true }).map(String);
  return Object.fromEntries(files.map((f) => {
    const s = statSync(path.join(dir, f));
    return [f, `${s.size} ${s.mtimeMs}`];
  }));
}
