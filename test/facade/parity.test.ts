/**
 * One test per item of the Python SDK's documentation (`shared/seed-python-sdk.md`), against the
 * emulator on a real loopback port. The README's parity table names these tests.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { SyvainApiError, SyvainError, SyvainValidationError } from "../../src/api/errors.ts";
import { DeliveryIncompleteError } from "../../src/delivery/delivery-errors.ts";
import { Collector } from "../../src/facade/collector.ts";
import { JsonlCollector, NoopCollector } from "../../src/facade/local-collectors.ts";

let emulator: Emulator;
let dir: string;
const collectors: { close(): Promise<unknown> }[] = [];

function collector(options: ConstructorParameters<typeof Collector>[1] = {}): Collector {
  const made = new Collector(emulator.apiKey, { host: emulator.url, flushDelaySeconds: 0.01, ...options });
  collectors.push(made);
  return made;
}

let slugs = 0;
const slug = (base: string): string => `${base}-${++slugs}`;

beforeAll(async () => {
  emulator = await startEmulator({ folders: [{ path: "/mamba-run-001" }, { path: "/twice" }, { path: "/twice" }] });
  dir = await mkdtemp(join(tmpdir(), "facade-parity-"));
});
afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(async () => {
  await Promise.all(collectors.map((c) => c.close()));
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

describe("Python SDK parity", () => {
  it("Collector(key, host=, timeout=, ingest_timeout=, flush_delay_seconds=, max_queue_items=, max_batch_items=, max_retries=)", async () => {
    const c = collector({ timeout: 10, ingestTimeout: 60, flushDelaySeconds: 0.25, maxQueueItems: 100_000, maxBatchItems: 7, maxRetries: null });
    const e = await c.experiment(slug("options"));
    const before = emulator.counters.requests.ingestMetrics ?? 0;
    for (let step = 0; step < 20; step++) e.metric("loss", step, { step });
    await e.flushOrRaise();
    expect(emulator.store.metrics(e.id)).toHaveLength(20);
    // maxBatchItems: 7 → 20 points take 3 ingest requests.
    expect((emulator.counters.requests.ingestMetrics ?? 0) - before).toBe(3);
    // The key never shows in inspect output, of the collector or of its experiments.
    expect(inspect(c)).not.toContain(emulator.apiKey);
    expect(inspect(e, { depth: 5 })).not.toContain(emulator.apiKey);
    expect(JSON.stringify(e)).not.toContain(emulator.apiKey);
    const bad: [Record<string, unknown>, string][] = [
      [{ maxBatchItems: 0 }, "maxBatchItems"],
      [{ timeout: -1 }, "timeout"],
      [{ flushDelaySeconds: "fast" }, "flushDelaySeconds"],
      [{ maxRetries: 1.5 }, "maxRetries"],
      [{ hots: "x" }, "options"],
    ];
    for (const [options, field] of bad) {
      const error = captured(() => new Collector("ak_org_secret_value", options));
      expect(error).toBeInstanceOf(SyvainValidationError);
      expect((error as SyvainValidationError).code).toBe("config");
      if (field !== "options") expect((error as SyvainValidationError).field).toBe(field);
      expect((error as Error).message).not.toContain("ak_org_secret_value");
    }
  });

  it("Collector defaults to https://metrics.syvain.com", () => {
    vi.stubEnv("SYVAIN_METRICS_HOST", "");
    const c = new Collector("ak_org_test");
    collectors.push(c);
    expect(c.host).toBe("https://metrics.syvain.com");
  });

  it("API key from SYVAIN_METRICS_API_KEY; missing key → config error", async () => {
    vi.stubEnv("SYVAIN_METRICS_API_KEY", emulator.apiKey);
    vi.stubEnv("SYVAIN_METRICS_HOST", emulator.url);
    const c = new Collector();
    collectors.push(c);
    const e = await c.experiment(slug("env-key"));
    expect(emulator.store.experiment(e.id)?.slug).toBe(e.slug);
    vi.stubEnv("SYVAIN_METRICS_API_KEY", "");
    const error = captured(() => new Collector({ host: emulator.url }));
    expect(error).toMatchObject({ code: "config", field: "apiKey" });
    expect((error as Error).message).toContain("SYVAIN_METRICS_API_KEY");
  });

  it("a first argument that is neither a key string nor options (a key typed as a number) is a config error naming apiKey, never its value", () => {
    vi.stubEnv("SYVAIN_METRICS_API_KEY", emulator.apiKey); // the silent fallback this must not take
    for (const first of [12345678901234, null, ["ak_org_x"], true]) {
      const error = captured(() => new Collector(first as unknown as string));
      expect(error).toMatchObject({ code: "config", field: "apiKey" });
      expect((error as Error).message).toMatch(/first argument must be the API key \(a string\) or the options object/);
      expect((error as Error).message).not.toContain("12345678901234");
      expect((error as Error).message).not.toContain("ak_org_x");
    }
  });

  it("experiment(slug, description=, meta=) with nested meta", async () => {
    const meta = { model: "mamba", dataset: "internal-v1", git_sha: "abc123", config: { batch_size: 32, learning_rate: 0.0003 } };
    const e = await collector().experiment(slug("mamba-run"), { description: "Baseline mamba training run", meta });
    const stored = emulator.store.experiment(e.id);
    expect(stored).toMatchObject({ slug: e.slug, description: "Baseline mamba training run", metadata: meta, status: "created" });
    expect(e.meta).toEqual(meta);
  });

  it("experiment(folder_id=)", async () => {
    const folder = emulator.store.folders().find((f) => f.path === "/mamba-run-001")!;
    const e = await collector().experiment(slug("in-folder"), { folderId: folder.id });
    expect(emulator.store.experiment(e.id)?.folder_id).toBe(folder.id);
  });

  it("experiment(folder_path=) resolves with one request; missing or ambiguous raises naming the path", async () => {
    const c = collector();
    const before = emulator.counters.requests.findFolders ?? 0;
    const e = await c.experiment(slug("by-path"), { folderPath: "/mamba-run-001" });
    expect((emulator.counters.requests.findFolders ?? 0) - before).toBe(1);
    expect(e.folderId).toBe(emulator.store.folders().find((f) => f.path === "/mamba-run-001")!.id);
    const missing = slug("missing");
    await expect(c.experiment(missing, { folderPath: "/nowhere" })).rejects.toMatchObject({ code: "not_found", message: expect.stringContaining('"/nowhere"') as string });
    await expect(c.experiment(slug("ambiguous"), { folderPath: "/twice" })).rejects.toMatchObject({ code: "conflict", message: expect.stringContaining('"/twice"') as string });
    expect(emulator.store.experiment(missing)).toBeUndefined();
  });

  it("experiment(folder_id=, folder_path=) together → validation error, no request", async () => {
    const before = emulator.counters.requests.createExperiment ?? 0;
    const error = await collector().experiment(slug("both"), { folderId: "f", folderPath: "/mamba-run-001" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect(error).toMatchObject({ field: "folderPath" });
    expect(emulator.counters.requests.createExperiment ?? 0).toBe(before);
  });

  it("experiment creation is required state: a failure raises a typed error", async () => {
    const c = new Collector("ak_org_wrong", { host: emulator.url });
    collectors.push(c);
    const error = await c.experiment(slug("unauthorized")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyvainApiError);
    expect(error).toMatchObject({ code: "auth", status: 401 });
    expect((error as Error).message).not.toContain("ak_org_wrong");
  });

  it("one experiment per run: an existing slug raises conflict; ifExists: 'reuse' appends", async () => {
    const c = collector();
    const name = slug("exists");
    const first = await c.experiment(name);
    const error = await c.experiment(name).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "conflict", experimentId: first.id, message: expect.stringContaining(`"${name}"`) as string });
    const again = await c.experiment(name, { ifExists: "reuse" });
    expect(again.id).toBe(first.id);
    await first.run(() => undefined, { installHooks: false });
    // A reused experiment can run again, even when the server has it as done.
    await again.run(() => again.metric("loss", 1, { step: 0 }), { installHooks: false });
    expect(emulator.store.metrics(first.id)).toHaveLength(1);
    expect(emulator.store.experiment(first.id)?.status).toBe("done");
  });

  it("metric(name, value, step=)", async () => {
    const e = await collector().experiment(slug("metric"));
    e.metric("validation_loss", 0.182, { step: 500 });
    await e.flushOrRaise();
    expect(emulator.store.metrics(e.id)).toMatchObject([{ name: "validation_loss", value: 0.182, step: 500, metadata: {} }]);
  });

  it("metric(step=None) for events without a step", async () => {
    const e = await collector().experiment(slug("no-step"));
    e.metric("final_accuracy", 0.91, { step: null });
    await e.flushOrRaise();
    expect(emulator.store.metrics(e.id)).toMatchObject([{ name: "final_accuracy", step: null }]);
  });

  it("metric(metadata=) separates lines of one metric", async () => {
    const e = await collector().experiment(slug("metadata"));
    e.metric("gpu_utilization", 78.0, { step: 1, metadata: { device: "gpu:0" } });
    e.metric("gpu_utilization", 74.0, { step: 1, metadata: { device: "gpu:1" } });
    await e.flushOrRaise();
    const series = emulator.store.series(e.id);
    const lines = series.map((s) => [s.metadata, s.data.value] as const).sort((a, b) => String(a[0].device).localeCompare(String(b[0].device)));
    expect(lines).toEqual([
      [{ device: "gpu:0" }, [78]],
      [{ device: "gpu:1" }, [74]],
    ]);
  });

  it("metric(timestamp=) in seconds or milliseconds", async () => {
    const e = await collector().experiment(slug("timestamps"));
    e.metric("loss", 1, { step: 0, timestamp: 1_700_000_000 });
    e.metric("loss", 1, { step: 1, timestamp: 1_700_000_000_250 });
    await e.flushOrRaise();
    expect(emulator.store.metrics(e.id).map((m) => m.timestamp)).toEqual([1_700_000_000_000, 1_700_000_000_250]);
  });

  it("annotation(text, metadata=)", async () => {
    const e = await collector().experiment(slug("annotation"));
    e.annotation("evaluation started", { metadata: { split: "validation" } });
    await e.flushOrRaise();
    expect(emulator.store.annotations(e.id)).toMatchObject([{ text: "evaluation started", metadata: { split: "validation" } }]);
  });

  it("with experiment.run(): → await experiment.run(async () => …): running → done, failed on error", async () => {
    const c = collector();
    const ok = await c.experiment(slug("run-ok"));
    await ok.run(() => ok.metric("loss", 0.5, { step: 0 }));
    expect(emulator.store.experiment(ok.id)?.status).toBe("done");
    expect(emulator.store.metrics(ok.id)).toHaveLength(1);
    const bad = await c.experiment(slug("run-fails"));
    await expect(bad.run(() => Promise.reject(new Error("diverged")))).rejects.toThrow("diverged");
    expect(emulator.store.experiment(bad.id)?.status).toBe("failed");
  });

  it("run(install_hooks=False) → run(fn, { installHooks: false }) installs no process listener", async () => {
    const e = await collector().experiment(slug("no-hooks"));
    const before = process.listenerCount("SIGTERM");
    await e.run(() => expect(process.listenerCount("SIGTERM")).toBe(before), { installHooks: false });
    const withHooks = await collector().experiment(slug("hooks"));
    await withHooks.run(() => expect(process.listenerCount("SIGTERM")).toBe(before + 1));
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });

  it("start() / done() manual lifecycle, then flush_or_raise()", async () => {
    const e = await collector().experiment(slug("manual"));
    e.start({ installHooks: false });
    for (let step = 0; step < 100; step++) e.metric("loss", 1 / (step + 1), { step });
    e.done();
    await e.flushOrRaise();
    expect(emulator.store.experiment(e.id)?.status).toBe("done");
    expect(emulator.store.metrics(e.id)).toHaveLength(100);
  });

  it("flush() → status with ok, pending per kind, retryable failures, last error", async () => {
    const e = await collector().experiment(slug("flush-status"));
    emulator.faults.script("ingestMetrics", [{ status: 503 }]);
    e.metric("loss", 1, { step: 0 });
    const failed = await e.flush();
    expect(failed).toMatchObject({ ok: false, pendingMetrics: 1, failedMetrics: 0, droppedMetrics: 0, retryableFailures: 1 });
    expect(failed.lastError).toBeInstanceOf(SyvainError);
    const ok = await e.flush();
    expect(ok).toMatchObject({ ok: true, pendingMetrics: 0 });
  });

  it("flush_or_raise(retries=5) → flushOrRaise({ retries: 5 }) retries, raises DeliveryIncompleteError when still incomplete", async () => {
    const e = await collector().experiment(slug("flush-or-raise"));
    emulator.faults.script("ingestMetrics", [{ status: 503 }, { status: 503 }]);
    e.metric("loss", 1, { step: 0 });
    await expect(e.flushOrRaise({ retries: 5 })).resolves.toMatchObject({ ok: true });
    emulator.faults.script("ingestAnnotations", [{ status: 400 }]);
    e.annotation("rejected by the server");
    const error = await e.flushOrRaise({ retries: 1 }).catch((x: unknown) => x);
    expect(error).toBeInstanceOf(DeliveryIncompleteError);
    expect((error as DeliveryIncompleteError).status.failedAnnotations).toBe(1);
  });

  it("JsonlCollector(path=) writes experiment, status, metric and annotation records; folders created", async () => {
    const path = join(dir, "artifacts", "metrics", "run-001.jsonl");
    const c = new JsonlCollector({ path });
    collectors.push(c);
    const e = await c.experiment("run-001", { meta: { model: "mamba" } });
    await e.run(() => {
      e.metric("loss", 0.42, { step: 1, metadata: { split: "train" } });
      e.annotation("local checkpoint written", { metadata: { path: "ckpt.pt" } });
    });
    await e.flushOrRaise();
    const records = (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.type === "status" ? `status:${String(r.status)}` : r.type)).toEqual([
      "experiment", "status:running", "metric", "annotation", "status:done",
    ]);
    expect(records[0]).toMatchObject({ slug: "run-001", metadata: { model: "mamba" } });
    expect(records[2]).toMatchObject({ name: "loss", value: 0.42, step: 1, metadata: { split: "train" } });
    expect(records[3]).toMatchObject({ text: "local checkpoint written", metadata: { path: "ckpt.pt" } });
  });

  it("max_queue_items bounds the queue: the oldest are evicted and counted, flush_or_raise fails", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on("warning", onWarning);
    try {
      const e = await new NoopCollector({ maxQueueItems: 5 }).experiment("bounded");
      for (let step = 0; step < 8; step++) e.metric("loss", step, { step });
      const status = await e.flush();
      expect(status).toMatchObject({ ok: false, droppedMetrics: 3, pendingMetrics: 0 });
      expect(e.stats().metrics).toMatchObject({ enqueued: 8, accepted: 5, dropped: 3 });
      await expect(e.flushOrRaise()).rejects.toBeInstanceOf(DeliveryIncompleteError);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.join("\n")).toMatch(/bounded/);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("NoopCollector() accepts the same calls and validation with no I/O", async () => {
    const c = new NoopCollector();
    const e = await c.experiment("unit-test-run");
    await e.run(() => e.metric("loss", 0.42, { step: 1 }));
    expect(() => e.metric("loss", NaN, { step: 2 })).toThrow(SyvainValidationError);
    expect(await e.flush()).toMatchObject({ ok: true, pendingMetrics: 0 });
    expect(e.stats().metrics).toMatchObject({ enqueued: 1, accepted: 1 });
    await expect(stat(join(process.cwd(), "unit-test-run"))).rejects.toThrow();
    await c.close();
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
