/**
 * A bridge container recreated on the same machine (`docker compose up --force-recreate`, a new
 * image, `down` + `up`) on the same spool volume: the dead bridge's writer folder names its old
 * hostname (the container id), and the new bridge used to call it "another host's", never deliver
 * it, and say "nothing left to deliver" (review 14, F4: 13,500 points answered 200 never stored).
 * Real bridges: one answers 200 while Syvain is down and is killed with SIGKILL under another
 * hostname (its LOCK rewritten, or a real one under `unshare --uts` where allowed); the next, on the
 * same spool, delivers every point once. While the first runs, its folder is judged alive. A folder
 * written on another machine (another boot) is never taken, and the bridge names it at start and
 * at shutdown instead of "nothing left to deliver".
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { openSpool, scanSpool } from "../../src/delivery/spool/index.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { markOtherContainer, markOtherMachine } from "../delivery/spool/spool-helpers.ts";
import { otherHostnameSupported } from "../other-hostname.ts";
import { spawnBridge } from "./helpers/bridge-process.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

const CONTAINER = "0b7e5d1c9a42";
const POINTS = 3000;
const PER_REQUEST = 300;
const env = { SYVAIN_METRICS_API_KEY: EMULATOR_API_KEY };
let root: string;
let emulator: Emulator;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bridge-other-container-"));
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
  await rm(root, { recursive: true, force: true });
});

const bridgeArgs = (spoolDir: string): string[] => ["--syvain-host", emulator.url, "--spool-dir", spoolDir, "--retry-after", "1"];

async function recreatedContainer(name: string, realHostname: boolean): Promise<void> {
  const spoolDir = join(root, name);
  const slug = `recreated-${name}`;
  const part = hostSpoolDir(spoolDir, emulator.url);
  emulator.faults.replace({ random: { "*": { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] } } });
  const old = await spawnBridge(bridgeArgs(spoolDir), env, realHostname ? { hostname: CONTAINER } : {});
  try {
    for (let from = 0; from < POINTS; from += PER_REQUEST) expect((await post(`${old.url}/v1/metrics`, gaugeSteps(slug, from, from + PER_REQUEST), JSON_TYPE)).status).toBe(200);
    const writers = (await readdir(part)).filter((entry) => entry.startsWith("w-"));
    expect(writers).toHaveLength(1);
    if (!realHostname) markOtherContainer(join(part, writers[0]!), CONTAINER);
    expect((await scanSpool(part)).writers.find((w) => w.name === writers[0])).toMatchObject({ liveness: "alive", owner: { host: CONTAINER } });
  } finally {
    await old.stop("SIGKILL");
  }
  emulator.faults.clear();
  const next = await spawnBridge(bridgeArgs(spoolDir), env);
  try {
    await vi.waitFor(() => expect(new Set(emulator.store.metrics(slug).map((m) => m.step)).size).toBe(POINTS), { timeout: 30_000, interval: 250 });
  } finally {
    expect(await next.stop("SIGTERM")).toBe(0);
  }
  expect(emulator.store.metrics(slug)).toHaveLength(POINTS);
  expect(emulator.store.experiments().filter((e) => e.slug === slug)).toHaveLength(1);
  expect(next.lines().find((line) => line.event === "shutdown.spooled")).toMatchObject({ level: "info", leftoversRemain: false, reason: "nothing left to deliver" });
  expect(next.lines().some((line) => line.event === "spool.other-machines")).toBe(false);
}

describe("a bridge container recreated on the same machine, same spool volume", () => {
  it("the next bridge delivers every point the killed one answered 200 for, once (its LOCK rewritten to another hostname)", async () => {
    await recreatedContainer("rewritten", false);
  }, 60_000);

  it.skipIf(!otherHostnameSupported)("the same with the killed bridge run under a real other hostname (unshare --uts)", async () => {
    await recreatedContainer("unshare", true);
  }, 60_000);
});

describe("a folder written on another machine in the bridge's spool", () => {
  it("is named at start and at shutdown (machine, bytes, the sync --from-other-machine command), never 'nothing left to deliver'", async () => {
    const spoolDir = join(root, "other-machine");
    const part = hostSpoolDir(spoolDir, emulator.url);
    const elsewhere = await openSpool({ dir: part, host: emulator.url, syncIntervalMs: 0 });
    elsewhere.append(2, { x: "elsewhere", i: "exp-elsewhere", e: { name: "loss", value: 1, step: 0 } });
    await elsewhere.close();
    markOtherMachine(elsewhere.dir, "gpu-node-17");
    const command = `SYVAIN_METRICS_HOST=${emulator.url} syvain-otel sync --from-other-machine ${part}`;

    const bridge = await spawnBridge(bridgeArgs(spoolDir), env);
    try {
      await vi.waitFor(() => expect(bridge.lines().some((line) => line.event === "spool.other-machines")).toBe(true), { timeout: 10_000 });
    } finally {
      expect(await bridge.stop("SIGTERM")).toBe(0);
    }
    const machines = [{ machine: "gpu-node-17", folders: 1, bytes: expect.any(Number) as number }];
    const started = bridge.lines().find((line) => line.event === "spool.other-machines");
    expect(started).toMatchObject({ level: "warn", dir: part, otherMachines: machines });
    expect(started?.reason).toContain(`1 spool folder(s) written on another machine, gpu-node-17 (`);
    expect(started?.reason).toContain(`deliver them with: ${command}`);
    const spooled = bridge.lines().find((line) => line.event === "shutdown.spooled");
    expect(spooled).toMatchObject({ level: "warn", pending: 0, recordsOnDisk: 0, leftoversRemain: true, otherMachines: machines });
    expect(spooled?.reason).not.toMatch(/nothing left|the next bridge started on it/);
    expect(spooled?.reason).toContain(`deliver them with: ${command}`);
    expect(emulator.store.experiment("elsewhere")).toBeUndefined();
  }, 30_000);
});
