/**
 * A 200 from a spooling bridge is a promise kept across kill -9. Per Syvain condition (up, down,
 * slow), TRIALS real `syvain-otel bridge` children, each with its own experiment, share one spool
 * directory (a bridge that starts adopts what the ones already killed left); two senders post
 * plain OTLP/JSON requests to each, and it is killed with SIGKILL at a random moment (0.2–1.5 s
 * after its first 200). With Syvain then up, one more bridge started on that spool delivers what
 * the dead ones left: every point of every request answered 200 is stored, no point is stored
 * twice, each experiment exists once, and that bridge exits 0 on SIGTERM with nothing pending.
 * (Run with the crashed bridges on `--spool-dir off`, the same checks find hundreds of points missing.)
 *
 * SIGTERM with a hanging Syvain: exit 0, the log names what stays spooled, and a bridge restarted
 * while Syvain is still down delivers it once Syvain is back. What a bridge left while Syvain was
 * down (a new experiment included) is also delivered by `syvain-otel sync <spool-dir>`, and events
 * Syvain refused after the 200 (403) stay on disk for the next bridge. `BRIDGE_CRASH_TRIALS` runs more trials per condition.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EMULATOR_API_KEY, startEmulator, type Emulator, type FaultPlan } from "../../src/testing/index.ts";
import { spawnBridge, type BridgeChild } from "./helpers/bridge-process.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

const TRIALS = Number(process.env.BRIDGE_CRASH_TRIALS ?? 10);
/** Trials of one condition run this many at a time (each is two bridge processes in turn). */
const CONCURRENCY = 5;
const POINTS_PER_REQUEST = 20;
const SENDERS = 2;

const CONDITIONS: Record<string, FaultPlan> = {
  up: {},
  down: { random: { "*": { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] } } },
  slow: { random: { "*": { rate: 1, mix: [{ delayMs: 300 }, { delayMs: 900 }] } } },
};

let root: string;
let emulator: Emulator;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bridge-crash-"));
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
  await rm(root, { recursive: true, force: true });
});

const bridgeArgs = (spoolDir: string, extra: readonly string[] = []): string[] => ["--syvain-host", emulator.url, "--spool-dir", spoolDir, "--retry-after", "1", ...extra];
const env = { SYVAIN_METRICS_API_KEY: EMULATOR_API_KEY };

interface Trial {
  slug: string;
  spoolDir: string;
  /** Requests answered 200. */
  acknowledged: number[];
}

/** Posts numbered requests from SENDERS loops until the bridge dies; remembers which got 200. */
async function sendUntilDead(bridge: BridgeChild, trial: Trial, onFirst200: () => void): Promise<void> {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (!bridge.exited()) {
      const request = next++;
      const body = gaugeSteps(trial.slug, request * POINTS_PER_REQUEST, (request + 1) * POINTS_PER_REQUEST);
      const status = await post(`${bridge.url}/v1/metrics`, body, JSON_TYPE).then((answer) => answer.status, () => 0);
      if (status === 200) {
        trial.acknowledged.push(request);
        onFirst200();
      } else if (status !== 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, loop));
}

async function crash(trial: Trial): Promise<void> {
  const bridge = await spawnBridge(bridgeArgs(trial.spoolDir), env);
  let killAt: Promise<void> | undefined;
  const sending = sendUntilDead(bridge, trial, () => {
    killAt ??= new Promise<void>((resolve) => setTimeout(resolve, 200 + Math.random() * 1300)).then(async () => {
      await bridge.stop("SIGKILL");
    });
  });
  // Never hangs: a bridge that gives no 200 within 10 s is killed anyway (the trial then checks nothing was stored twice).
  const deadline = setTimeout(() => void bridge.stop("SIGKILL"), 10_000);
  await sending;
  clearTimeout(deadline);
  await killAt;
}

/** Every point of every request answered 200 is stored, and no point twice; one experiment per trial that got a 200. */
function checkStored(trial: Trial): void {
  const stored = emulator.store.metrics(trial.slug).map((m) => m.step ?? -1);
  const steps = new Set(stored);
  const missing = trial.acknowledged.flatMap((request) => Array.from({ length: POINTS_PER_REQUEST }, (_, i) => request * POINTS_PER_REQUEST + i)).filter((step) => !steps.has(step));
  expect({ slug: trial.slug, missing: missing.length, storedTwice: stored.length - steps.size }).toEqual({ slug: trial.slug, missing: 0, storedTwice: 0 });
  if (trial.acknowledged.length > 0) expect(emulator.store.experiments().filter((e) => e.slug === trial.slug)).toHaveLength(1);
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

describe("a spooling bridge killed with SIGKILL while senders post", () => {
  for (const [condition, faults] of Object.entries(CONDITIONS)) {
    it(`Syvain ${condition}: after a restart on the same spool, every point answered 200 is stored exactly once (${TRIALS} trials)`, async () => {
      // One spool directory for all: each bridge writes its own writer directory in it, and a
      // bridge that starts adopts those of the bridges already killed (as a restarted pod would).
      const spoolDir = await mkdtemp(join(root, `${condition}-`));
      const trials: Trial[] = Array.from({ length: TRIALS }, (_, index) => ({ slug: `crash-${condition}-${index}`, spoolDir, acknowledged: [] }));
      emulator.faults.replace(faults);
      await inBatches(trials, CONCURRENCY, crash);
      emulator.faults.clear();
      const restarted = await spawnBridge(bridgeArgs(spoolDir), env);
      try {
        await vi.waitFor(() => trials.forEach(checkStored), { timeout: 60_000, interval: 250 });
      } finally {
        expect(await restarted.stop("SIGTERM")).toBe(0);
      }
      expect(restarted.lines().find((line) => line.event === "shutdown.spooled")).toMatchObject({ pending: 0 });
      // The trials must have had something to lose.
      expect(trials.reduce((n, t) => n + t.acknowledged.length, 0)).toBeGreaterThan(TRIALS);
    }, 120_000);
  }
});

describe("a spooling bridge stopped with SIGTERM while Syvain hangs", () => {
  it("exits 0, logs what stays spooled, and a bridge restarted while Syvain is down delivers it once Syvain is back", async () => {
    const spoolDir = await mkdtemp(join(root, "sigterm-"));
    const first = await spawnBridge(bridgeArgs(spoolDir, ["--shutdown-timeout", "1"]), env);
    expect((await post(`${first.url}/v1/metrics`, gaugeSteps("sigterm", 0, 1), JSON_TYPE)).status).toBe(200);
    await vi.waitFor(() => expect(emulator.store.metrics("sigterm")).toHaveLength(1), { timeout: 10_000 });
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ delayMs: 60_000 }] });
    expect((await post(`${first.url}/v1/metrics`, gaugeSteps("sigterm", 1, 301), JSON_TYPE)).status).toBe(200);
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(first.lines().find((line) => line.event === "shutdown.spooled")).toMatchObject({ level: "warn", pending: 300, dir: expect.stringContaining(spoolDir) });
    expect(first.lines().some((line) => line.event === "shutdown.lost")).toBe(false);

    // Restarted while Syvain is still down: the running bridge keeps retrying what it adopted...
    emulator.faults.replace(CONDITIONS.down!);
    const second = await spawnBridge(bridgeArgs(spoolDir), env);
    await vi.waitFor(() => expect(second.lines().some((line) => line.event === "spool.resume")).toBe(true), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(emulator.store.metrics("sigterm")).toHaveLength(1);
    // ...and delivers it once Syvain is back, without another restart.
    emulator.faults.clear();
    try {
      await vi.waitFor(() => expect(new Set(emulator.store.metrics("sigterm").map((m) => m.step)).size).toBe(301), { timeout: 30_000 });
    } finally {
      expect(await second.stop("SIGTERM")).toBe(0);
    }
    const steps = emulator.store.metrics("sigterm").map((m) => m.step);
    expect(steps.length).toBe(new Set(steps).size);
  }, 60_000);

  it("a bridge restarted on leftovers and stopped at once drains them within --shutdown-timeout, and says what stays when it cannot", async () => {
    const spoolDir = await mkdtemp(join(root, "drain-"));
    /** A bridge with Syvain down takes 600 points of a new experiment and is stopped: they stay on disk. */
    const leaveLeftovers = async (slug: string): Promise<void> => {
      emulator.faults.replace(CONDITIONS.down!);
      const first = await spawnBridge(bridgeArgs(spoolDir, ["--shutdown-timeout", "1"]), env);
      for (let from = 0; from < 600; from += 200) expect((await post(`${first.url}/v1/metrics`, gaugeSteps(slug, from, from + 200), JSON_TYPE)).status).toBe(200);
      expect(await first.stop("SIGTERM")).toBe(0);
    };
    const restartAndStop = async (shutdownTimeout: string): Promise<Record<string, unknown> | undefined> => {
      const second = await spawnBridge(bridgeArgs(spoolDir, ["--shutdown-timeout", shutdownTimeout]), env);
      await vi.waitFor(() => expect(second.lines().some((line) => line.event === "spool.resume")).toBe(true), { timeout: 10_000 });
      expect(await second.stop("SIGTERM")).toBe(0);
      return second.lines().find((line) => line.event === "shutdown.spooled");
    };

    // Syvain slow (each batch 300 ms): the replay cannot be done when SIGTERM comes, but is within 20 s.
    await leaveLeftovers("drained");
    emulator.faults.replace({ random: { ingestMetrics: { rate: 1, mix: [{ delayMs: 300 }] } } });
    expect(await restartAndStop("20")).toMatchObject({ level: "info", pending: 0, recordsOnDisk: 0, leftoversRemain: false, reason: "nothing left to deliver" });
    const steps = emulator.store.metrics("drained").map((m) => m.step);
    expect(new Set(steps).size).toBe(600);
    expect(steps).toHaveLength(600);

    // Syvain hanging: what the replay could not deliver stays on disk, and the log says so.
    await leaveLeftovers("left");
    emulator.faults.replace({ random: { "*": { rate: 1, mix: [{ delayMs: 60_000 }] } } });
    const line = await restartAndStop("1");
    emulator.faults.clear();
    expect(line).toMatchObject({ level: "warn", pending: 0, leftoversRemain: true, dir: expect.stringContaining(spoolDir) });
    expect(line?.reason).toMatch(/^at least \d+ record\(s\) \(\d+ bytes\) stay in the spool at .*records earlier bridges left are not all delivered yet.*syvain-otel sync/);
    expect(emulator.store.experiment("left")).toBeUndefined(); // nothing reached Syvain: all of it is still on disk
  }, 60_000);

  it("what a stopped bridge left is also delivered by `syvain-otel sync <spool-dir>`", async () => {
    const spoolDir = await mkdtemp(join(root, "sync-"));
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const bridge = await spawnBridge(bridgeArgs(spoolDir, ["--shutdown-timeout", "1"]), env);
    expect((await post(`${bridge.url}/v1/metrics`, gaugeSteps("synced", 0, 40), JSON_TYPE)).status).toBe(200);
    expect(await bridge.stop("SIGTERM")).toBe(0);
    emulator.faults.clear();
    // Asynchronous: the emulator runs in this process and must answer the child.
    const sync = await promisify(execFile)(process.execPath, ["--conditions=syvain-source", "src/cli/main.ts", "sync", spoolDir], {
      cwd: fileURLToPath(new URL("../../", import.meta.url)),
      env: { PATH: process.env.PATH, SYVAIN_METRICS_HOST: emulator.url, ...env },
      encoding: "utf8",
      timeout: 30_000,
    }).then(
      () => ({ status: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => ({ status: error.code, stderr: error.stderr.slice(-400) }),
    );
    expect(sync).toEqual({ status: 0, stderr: "" });
    expect(emulator.store.metrics("synced").map((m) => m.step).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 40 }, (_, i) => i));
  }, 60_000);

  it("events Syvain refused after the 200 (a revoked key: 403) are retried until the stop, stay spooled, and a restart delivers them", async () => {
    const spoolDir = await mkdtemp(join(root, "refused-"));
    const first = await spawnBridge(bridgeArgs(spoolDir, ["--shutdown-timeout", "1"]), env);
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 403 }] });
    expect((await post(`${first.url}/v1/metrics`, gaugeSteps("refused", 0, 20), JSON_TYPE)).status).toBe(200);
    expect(await first.stop("SIGTERM")).toBe(0);
    // Waited out like an outage (key-watch.ts): still pending at the stop, not given up.
    expect(first.lines().find((line) => line.event === "shutdown.done")).toMatchObject({ pending: 20, failed: 0 });
    expect(first.lines().find((line) => line.event === "shutdown.spooled")).toMatchObject({ pending: 20, leftoversRemain: true });
    expect(emulator.store.metrics("refused")).toHaveLength(0);
    emulator.faults.clear();
    const second = await spawnBridge(bridgeArgs(spoolDir), env);
    try {
      await vi.waitFor(() => expect(emulator.store.metrics("refused")).toHaveLength(20), { timeout: 30_000 });
    } finally {
      expect(await second.stop("SIGTERM")).toBe(0);
    }
  }, 60_000);
});
