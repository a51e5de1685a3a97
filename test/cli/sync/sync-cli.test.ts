/**
 * `syvain-otel sync` on JSONL files, as a user runs it: a real child process of the CLI against
 * the emulator on 127.0.0.1:0, counting what reached the emulator.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { JsonlCollector } from "../../../src/facade/index.ts";
import { startEmulator, type Emulator } from "../../../src/testing/index.ts";
import { ingestRequests } from "./sync-helpers.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
let emulator: Emulator;
let dir: string;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, ["--conditions=syvain-source", "src/cli/main.ts", "sync", ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: dir, SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Finished>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}
const sync = (args: string[], env?: Record<string, string>): Promise<Finished> => startCli(args, env).done;

/** A run written offline by the real `JsonlCollector`: `metrics` points, one annotation, then `done`. */
async function writeRun(path: string, slug: string, metrics: number): Promise<void> {
  const collector = new JsonlCollector({ path });
  const experiment = await collector.experiment(slug, { meta: { lr: 0.1 } });
  await experiment.run((e) => {
    for (let step = 0; step < metrics; step++) e.metric("loss", 1 / (step + 1), { step });
    e.annotation(`${slug} finished`);
  });
  await collector.close();
}

const allRequests = (): number => Object.entries(emulator.counters.requests).reduce((n, [route, count]) => (route.startsWith("admin") ? n : n + count), 0);

beforeAll(async () => {
  emulator = await startEmulator({ ui: false });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "syvain-sync-"));
});
afterEach(() => {
  emulator.faults.clear();
  rmSync(dir, { recursive: true, force: true });
});

describe("syvain-otel sync <file.jsonl>", () => {
  it("uploads every event once, applies the final status, and a second sync sends nothing", async () => {
    const a = join(dir, "a.jsonl");
    await writeRun(a, "sync-once-a", 2500);
    await writeRun(join(dir, "b.jsonl"), "sync-once-b", 10);
    const before = emulator.counters;

    const first = await sync([a, join(dir, "b.jsonl")]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("everything is delivered");
    expect(emulator.store.totals().filter((t) => t.slug.startsWith("sync-once-"))).toEqual([
      expect.objectContaining({ slug: "sync-once-a", status: "done", metrics: 2500, annotations: 1 }),
      expect.objectContaining({ slug: "sync-once-b", status: "done", metrics: 10, annotations: 1 }),
    ]);
    expect(emulator.counters.duplicatesSuppressed - before.duplicatesSuppressed).toBe(0);
    expect(emulator.store.experiment("sync-once-a")?.metadata).toEqual({ lr: 0.1 });

    const requestsBefore = allRequests();
    const second = await sync([a, join(dir, "b.jsonl")]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("already synced, nothing to send");
    expect(allRequests() - requestsBefore).toBe(0);
  });

  it("creates an experiment that has no events, as the live path would have", async () => {
    const path = join(dir, "empty.jsonl");
    const collector = new JsonlCollector({ path });
    await collector.experiment("sync-empty", { description: "nothing logged yet" });
    await collector.close();
    const dry = await sync([path, "--dry-run"]);
    expect(dry.stdout).toBe(`sync-empty: 0 metric, 0 annotation events (from ${path})\n`);
    const run = await sync([path]);
    expect(run.code, run.stderr).toBe(0);
    expect(emulator.store.experiment("sync-empty")).toMatchObject({ description: "nothing logged yet", status: "created" });
  });

  it("--dry-run lists slug, events per kind and file, sends nothing and writes no state", async () => {
    const path = join(dir, "dry.jsonl");
    await writeRun(path, "sync-dry", 7);
    const requestsBefore = allRequests();
    const run = await sync([path, "--dry-run"], { SYVAIN_METRICS_API_KEY: "" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`sync-dry: 7 metric, 1 annotation events, status done (from ${path})\n`);
    expect(allRequests() - requestsBefore).toBe(0);
    expect(existsSync(`${path}.sync-state`)).toBe(false);
  });

  /** Starts a sync of `path` with slow ingest (300 ms a request) and sends `signal` once a window is recorded, others in flight. */
  async function interruptMidSync(path: string, signal: NodeJS.Signals): Promise<Finished> {
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ delayMs: 300 }] });
    const metricsBefore = emulator.counters.requests["ingestMetrics"] ?? 0;
    const { child, done } = startCli([path]);
    const settled = (): number => (existsSync(`${path}.sync-state`) ? (JSON.parse(readFileSync(`${path}.sync-state`, "utf8")) as { offset: number }).offset : 0);
    while (settled() === 0 || (emulator.counters.requests["ingestMetrics"] ?? 0) - metricsBefore < 3) await new Promise((r) => setTimeout(r, 20));
    child.kill(signal);
    const finished = await done;
    emulator.faults.clear();
    return finished;
  }

  /** The resumed sync completes, every event is stored once, and acknowledged windows are not sent again. */
  async function expectResumed(path: string, slug: string): Promise<void> {
    // Interrupted mid-file: part of it recorded as acknowledged, not all (requests in flight may still land).
    const { offset } = JSON.parse(readFileSync(`${path}.sync-state`, "utf8")) as { offset: number };
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(statSync(path).size);
    const requestsBefore = emulator.counters.requests["ingestMetrics"] ?? 0;
    const resumed = await sync([path]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const ids = emulator.store.metrics(slug).map((m) => m.client_event_id);
    expect([ids.length, new Set(ids).size]).toEqual([5000, 5000]);
    // 5 windows in all, at least one recorded before the interruption.
    expect((emulator.counters.requests["ingestMetrics"] ?? 0) - requestsBefore).toBeLessThanOrEqual(4);
    expect(emulator.store.experiment(slug)?.status).toBe("done");
  }

  it("resumes after kill -9 mid-sync: the second run completes and every event is stored once", async () => {
    const path = join(dir, "killed.jsonl");
    await writeRun(path, "sync-killed", 5000);
    expect((await interruptMidSync(path, "SIGKILL")).signal).toBe("SIGKILL");
    await expectResumed(path, "sync-killed");
  });

  it("Ctrl-C stops with exit 1 and a resume hint; the next sync resumes", async () => {
    const path = join(dir, "interrupted.jsonl");
    await writeRun(path, "sync-interrupted", 5000);
    const run = await interruptMidSync(path, "SIGINT");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("interrupted; what was acknowledged is recorded, run sync again to resume");
    // The summary counts what was delivered before the stop (it said 0).
    const delivered = Number(/(\d+) events delivered; NOT everything/.exec(run.stderr)?.[1]);
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThanOrEqual(emulator.store.metrics("sync-interrupted").length);
    await expectResumed(path, "sync-interrupted");
  });

  it("skips and reports a torn last line, and sends it once a later sync finds it complete", async () => {
    const path = join(dir, "torn.jsonl");
    await writeRun(path, "sync-torn", 3);
    const line = JSON.stringify({ type: "metric", experiment: "sync-torn", client_event_id: "torn-1", name: "loss", value: 0.5, step: 9, timestamp: Date.now(), metadata: {} });
    const lines = readFileSync(path, "utf8").split("\n").length;
    appendFileSync(path, line.slice(0, 30));

    const first = await sync([path]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`${path}:${lines}: skipped an incomplete last line`);
    expect(emulator.store.metrics("sync-torn").map((m) => m.step)).toEqual([0, 1, 2]);

    appendFileSync(path, `${line.slice(30)}\n`);
    const before = ingestRequests(emulator);
    const second = await sync([path]);
    expect(second.code, second.stderr).toBe(0);
    expect(ingestRequests(emulator) - before).toBe(1);
    expect(emulator.store.metrics("sync-torn").map((m) => m.step)).toEqual([0, 1, 2, 9]);
  });

  it("names events the server refuses for good, delivers the rest, exits 1, and says so again next time", async () => {
    const path = join(dir, "refused.jsonl");
    await writeRun(path, "sync-refused", 2);
    appendFileSync(path, `${JSON.stringify({ type: "annotation", experiment: "sync-refused", client_event_id: "bad-1", text: "x".repeat(20_000), timestamp: Date.now(), metadata: {} })}\n`);
    appendFileSync(path, "this is not json\n");
    for (let i = 0; i < 3; i++) {
      appendFileSync(path, `${JSON.stringify({ type: "metric", experiment: "sync-refused", client_event_id: `bad-m${i}`, name: "loss", value: "high", step: i, timestamp: Date.now(), metadata: {} })}\n`);
    }
    const before = { ...emulator.counters.requests };
    const requestsOf = (route: string): number => (emulator.counters.requests[route] ?? 0) - (before[route] ?? 0);

    const first = await sync([path]);
    expect(first.code).toBe(1);
    // The server names the bad items: each group is refused once, then its good events resent once.
    expect([requestsOf("ingestMetrics"), requestsOf("ingestAnnotations")]).toEqual([2, 2]);
    expect(first.stderr).toMatch(/refused\.jsonl:9: 1 metric event of sync-refused refused: value /);
    expect(first.stderr).toContain("refused.jsonl:7: 1 annotation event of sync-refused refused: text must be at most 16000 characters");
    expect(first.stderr).toMatch(/refused\.jsonl:\d+: skipped, not valid JSON/);
    expect(first.stderr).toContain("NOT everything is delivered");
    // The good annotation that shared a request with the bad one is stored too.
    expect(emulator.store.totals().find((t) => t.slug === "sync-refused")).toMatchObject({ metrics: 2, annotations: 1, status: "done" });

    const beforeSecond = ingestRequests(emulator);
    const second = await sync([path]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("refused.jsonl:7: 1 annotation event of sync-refused refused");
    expect(ingestRequests(emulator) - beforeSecond).toBe(0);
  });

  it("a rejected key: exit 1, naming SYVAIN_METRICS_API_KEY and never the key", async () => {
    const path = join(dir, "key.jsonl");
    await writeRun(path, "sync-bad-key", 2);
    const run = await sync([path], { SYVAIN_METRICS_API_KEY: "ak_wrong_secret_value" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("rejected the API key in SYVAIN_METRICS_API_KEY");
    expect(run.stderr + run.stdout).not.toContain("ak_wrong_secret_value");
    expect(emulator.store.experiment("sync-bad-key")).toBeUndefined();
  });

  it("an unreachable host: exit 1 with a message naming the host, and the file stays unsynced", async () => {
    const path = join(dir, "down.jsonl");
    await writeRun(path, "sync-down", 2);
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const run = await sync([path, "--retries", "0"], { SYVAIN_METRICS_HOST: `http://127.0.0.1:${closed}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`could not reach Syvain at http://127.0.0.1:${closed}`);
    expect(run.stderr).toContain("NOT everything is delivered");
    expect(existsSync(`${path}.sync-state`)).toBe(false);
  });

  it("bad usage exits 2: no key, a missing path, a directory that is not a spool", async () => {
    const path = join(dir, "x.jsonl");
    writeFileSync(path, "");
    const noKey = await sync([path], { SYVAIN_METRICS_API_KEY: "" });
    expect([noKey.code, noKey.stderr]).toEqual([2, expect.stringContaining("no API key: set SYVAIN_METRICS_API_KEY")]);
    const missing = await sync([join(dir, "nope.jsonl")]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining("nope.jsonl\": no such file or directory")]);
    const notSpool = await sync([dir]);
    expect([notSpool.code, notSpool.stderr]).toEqual([2, expect.stringContaining("not a spool directory (no FORMAT file in it")]);
  });
});
