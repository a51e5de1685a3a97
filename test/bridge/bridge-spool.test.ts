/**
 * The bridge with a spool, in process against the emulator: a 200 means the events are in the
 * spool's files (written before the answer, with Syvain hanging so nothing is delivered yet;
 * kill -9 trials are in bridge-spool-crash.test.ts), a queue 80 % full turns senders away while
 * Syvain is down (memory stays bounded), a new experiment while
 * Syvain is down is answered 200 and created once Syvain is back, a full spool answers 503 with
 * Retry-After, and a spool directory the bridge cannot use stops `start()` with an error naming it.
 */
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import type { BridgeLogEntry } from "../../src/bridge/bridge-log.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { writeOrphan, writerDirs } from "../delivery/spool/spool-helpers.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

let emulator: Emulator;
let dir: string;
let bridge: Bridge | undefined;
let logs: BridgeLogEntry[];

beforeEach(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "bridge-spool-"));
  logs = [];
});

afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(extra: { spoolMaxBytes?: number; spoolSyncMs?: number; maxQueueItems?: number } = {}): Promise<string> {
  const { maxQueueItems, ...options } = extra;
  bridge = createBridge({
    port: 0,
    retryAfterSeconds: 2,
    spoolDir: dir,
    ...options,
    syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url, flushDelaySeconds: 0.01, ...(maxQueueItems === undefined ? {} : { maxQueueItems }) },
    log: (entry) => logs.push(entry),
  });
  return (await bridge.start()).url;
}

/** Bytes of every file below `root`. */
async function bytesUnder(root: string): Promise<number> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const sizes = await Promise.all(entries.filter((e) => e.isFile()).map(async (e) => (await stat(join(e.parentPath, e.name))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

const storedSteps = (slug: string): number[] => emulator.store.metrics(slug).map((m) => m.step ?? -1);

describe("createBridge with spoolDir", () => {
  it.each([0, 200])("answers 200 once the events are in the spool's files, then delivers and acknowledges them (spoolSyncMs %i)", async (spoolSyncMs) => {
    const url = await start({ spoolSyncMs });
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ delayMs: 1500 }] });
    const before = await bytesUnder(dir);
    const answer = await post(`${url}/v1/metrics`, gaugeSteps("durable", 0, 50), JSON_TYPE);
    expect(answer.status).toBe(200);
    // 50 event records of well over 50 bytes each, on disk before anything reached Syvain.
    expect(await bytesUnder(dir)).toBeGreaterThan(before + 50 * 50);
    expect(storedSteps("durable")).toHaveLength(0);
    emulator.faults.clear();
    await vi.waitFor(() => expect(storedSteps("durable")).toHaveLength(50), { timeout: 10_000 });
    const report = await bridge!.close();
    expect(report).toMatchObject({ durable: true, lost: 0 });
    expect(logs.find((e) => e.event === "shutdown.spooled")).toMatchObject({ pending: 0, recordsOnDisk: 0 });
  });

  it("answers 200 for a new experiment while Syvain is down, and creates it when Syvain is back", async () => {
    const url = await start();
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const answer = await post(`${url}/v1/metrics`, gaugeSteps("born-offline", 0, 30), JSON_TYPE);
    expect(answer.status).toBe(200);
    // Later requests to the same experiment do not wait for its creation again.
    expect((await post(`${url}/v1/metrics`, gaugeSteps("born-offline", 30, 60), JSON_TYPE)).status).toBe(200);
    expect(emulator.store.experiment("born-offline")).toBeUndefined();
    // /readyz: the data is on disk, Syvain being down is no reason to turn senders away.
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    emulator.faults.clear();
    await vi.waitFor(() => expect(storedSteps("born-offline").sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i)), { timeout: 30_000 });
    expect(emulator.store.experiments().filter((e) => e.slug === "born-offline")).toHaveLength(1);
    // The creation record was acknowledged once the experiment existed: nothing stays on disk.
    await bridge!.close();
    expect(logs.find((e) => e.event === "shutdown.spooled")).toMatchObject({ recordsOnDisk: 0, reason: "nothing left to deliver" });
    expect(writerDirs(dir)).toEqual([]);
  });

  it("settles a creation record left alone by a dead bridge (its events were delivered, the ack of the creation was not on disk yet)", async () => {
    // What a kill -9 just after a late creation leaves: the creation record, nothing else unacknowledged.
    const spec = { slug: "created-late", metadata: {} };
    await writeOrphan(hostSpoolDir(dir, emulator.url), [{ x: spec.slug, i: null, spec, reuse: true }]);
    await start();
    await vi.waitFor(() => expect(logs.some((e) => e.event === "spool.resumed")).toBe(true), { timeout: 10_000 });
    expect(emulator.store.experiments().filter((e) => e.slug === "created-late")).toHaveLength(1);
    await bridge!.close();
    expect(logs.find((e) => e.event === "shutdown.spooled")).toMatchObject({ recordsOnDisk: 0, leftoversRemain: false });
    // Not adopted again by every later bridge, nor counted against --spool-max-bytes.
    expect(writerDirs(dir)).toEqual([]);
  });

  it("answers 503 with Retry-After once the spool is full, and 200 again once delivery frees it", async () => {
    const url = await start({ spoolMaxBytes: 8 * 1024 * 1024 });
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const statuses: number[] = [];
    let refusal: Awaited<ReturnType<typeof post>> | undefined;
    for (let request = 0; request < 200 && refusal === undefined; request++) {
      const answer = await post(`${url}/v1/metrics`, gaugeSteps("full", request * 500, (request + 1) * 500), JSON_TYPE);
      statuses.push(answer.status);
      if (answer.status !== 200) refusal = answer;
    }
    expect(refusal?.status).toBe(503);
    expect(refusal?.headers.get("retry-after")).toBe("2");
    expect(refusal?.text).toContain("spool is full");
    const accepted = statuses.filter((s) => s === 200).length;
    expect(accepted).toBeGreaterThan(0);
    emulator.faults.clear();
    // Every point answered 200 is delivered, once; the acknowledged segments are deleted and room
    // comes back. The refused request's points may be stored too: the spool takes appends up to its
    // bound, so the request was cut short mid-way, and what it queued is delivered (a resend dedups).
    await vi.waitFor(() => expect(storedSteps("full").filter((step) => step < accepted * 500)).toHaveLength(accepted * 500), { timeout: 30_000 });
    await vi.waitFor(async () => expect((await post(`${url}/v1/metrics`, gaugeSteps("full", 900_000, 900_010), JSON_TYPE)).status).toBe(200), { timeout: 20_000 });
  });

  it("keeps memory bounded while Syvain is down: 503 and not ready once a queue is 80 % full, ready again once it drains", async () => {
    const url = await start({ maxQueueItems: 500 });
    expect((await post(`${url}/v1/metrics`, gaugeSteps("bounded", 0, 100), JSON_TYPE)).status).toBe(200);
    await vi.waitFor(() => expect(storedSteps("bounded")).toHaveLength(100), { timeout: 10_000 });
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    // Syvain down: 300 waiting of 500 is no reason to refuse (the data is on disk)...
    for (let request = 1; request < 4; request++) expect((await post(`${url}/v1/metrics`, gaugeSteps("bounded", request * 100, (request + 1) * 100), JSON_TYPE)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // ...400 of 500 (80 %) is.
    expect((await post(`${url}/v1/metrics`, gaugeSteps("bounded", 400, 500), JSON_TYPE)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    const refused = await post(`${url}/v1/metrics`, gaugeSteps("bounded", 500, 600), JSON_TYPE);
    expect([refused.status, refused.headers.get("retry-after")]).toEqual([503, "2"]);
    expect(refused.text).toContain("queue slots in use");
    emulator.faults.clear();
    await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), { timeout: 20_000 });
    await vi.waitFor(() => expect(new Set(storedSteps("bounded")).size).toBe(500), { timeout: 20_000 });
  });

  it("refuses to start on a spool directory it cannot use, naming it", async () => {
    const file = join(dir, "not-a-directory");
    await writeFile(file, "x");
    await chmod(file, 0o400);
    bridge = createBridge({ port: 0, spoolDir: file, syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url }, log: () => {} });
    const error = await bridge.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain("--spool-dir off");
    bridge = undefined;
  });

  it("rejects spoolDir with a JSONL destination", () => {
    expect(() => createBridge({ spoolDir: dir, syvain: { jsonlPath: join(dir, "x.jsonl") } })).toThrow(/spoolDir needs Syvain as the destination/);
  });
});
