/**
 * The README's facade snippets, verbatim inside each test body (the lines between `// snippet` and
 * `// end snippet`), run against the emulator. `collector` and `experiment` are what the README's
 * earlier snippets made. If you edit a snippet in the README, edit it here too.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { Collector, JsonlCollector, NoopCollector, type Experiment } from "../../src/facade/index.ts";

let emulator: Emulator;
let collector: Collector;
let experiment: Experiment;
let slugs = 0;
const step = 7;
const trainLoss = 0.42;
const valLoss = 0.47;

beforeAll(async () => {
  emulator = await startEmulator({ folders: [{ path: "/mamba-run-001" }] });
  vi.stubEnv("SYVAIN_METRICS_API_KEY", emulator.apiKey);
  vi.stubEnv("SYVAIN_METRICS_HOST", emulator.url);
  collector = new Collector();
});
beforeEach(async () => {
  experiment = await collector.experiment(`readme-${++slugs}`);
});
afterAll(async () => {
  await collector.close();
  await emulator.close();
  vi.unstubAllEnvs();
});

const stored = (e: Experiment = experiment) => emulator.store.metrics(e.id).map(({ name, value, step: s, metadata }) => ({ name, value, step: s, metadata }));

describe("README snippets", () => {
  it("Experiment metadata", async () => {
    const slug = `mamba-run-${++slugs}`;
    // snippet
    const experiment = await collector.experiment(slug, {
      meta: {
        model: "mamba",
        dataset: "internal-v1",
        git_sha: "abc123",
        config: { batch_size: 32, learning_rate: 0.0003 },
      },
    });
    // end snippet
    expect(emulator.store.experiment(experiment.id)?.metadata).toEqual({
      model: "mamba", dataset: "internal-v1", git_sha: "abc123", config: { batch_size: 32, learning_rate: 0.0003 },
    });
  });

  it("Metrics", async () => {
    // snippet
    experiment.metric("validation_loss", 0.182, { step: 500 });
    experiment.metric("loss", trainLoss, { step, metadata: { split: "train" } });
    experiment.metric("loss", valLoss, { step, metadata: { split: "validation" } });
    experiment.metric("accuracy", 0.91, { step, metadata: { split: "validation" } });
    experiment.metric("tokens_per_second", 1820.0, { step });
    experiment.metric("final_accuracy", 0.93, { step: null }); // no step: a one-off value
    experiment.metric("loss", 0.5, { step: 8, timestamp: 1_700_000_000 }); // seconds or ms
    // end snippet
    await experiment.flushOrRaise();
    expect(stored()).toHaveLength(7);
    expect(stored().at(-1)).toMatchObject({ step: 8 });
  });

  it("Metric metadata", async () => {
    // snippet
    experiment.metric("gpu_utilization", 78.0, { step, metadata: { device: "gpu:0" } });
    experiment.metric("gpu_utilization", 74.0, { step, metadata: { device: "gpu:1" } });
    // end snippet
    await experiment.flushOrRaise();
    expect(emulator.store.series(experiment.id)).toHaveLength(2);
  });

  it("Annotations", async () => {
    // snippet
    experiment.annotation("evaluation started", { metadata: { split: "validation" } });
    // end snippet
    await experiment.flushOrRaise();
    expect(emulator.store.annotations(experiment.id)).toMatchObject([{ text: "evaluation started" }]);
  });

  it("Folders", async () => {
    const folder = emulator.store.folders().find((f) => f.path === "/mamba-run-001")!;
    const [a, b] = [`in-folder-${++slugs}`, `by-path-${++slugs}`];
    // snippet
    const byId = await collector.experiment(a, { folderId: folder.id });
    const byPath = await collector.experiment(b, { folderPath: "/mamba-run-001" });
    // end snippet
    expect([byId.folderId, byPath.folderId]).toEqual([folder.id, folder.id]);
  });

  it("Flushing and errors", async () => {
    experiment.metric("loss", 0.1, { step: 0 });
    const logged = vi.spyOn(console, "log").mockImplementation(() => undefined);
    emulator.faults.script("ingestMetrics", [{ status: 503 }]);
    // snippet
    const result = await experiment.flush();
    if (!result.ok) {
      console.log(result.pendingMetrics, result.retryableFailures);
    }
    await experiment.flushOrRaise();
    await experiment.flushOrRaise({ retries: 5 });
    // end snippet
    expect(logged).toHaveBeenCalledWith(1, 1);
    expect(stored()).toHaveLength(1);
  });

  it("Manual lifecycle", async () => {
    // snippet
    experiment.start();

    for (let step = 0; step < 1_000; step++) {
      experiment.metric("loss", 1.0 / (step + 1), { step });
    }

    experiment.done();
    await experiment.flushOrRaise();
    // end snippet
    expect(stored()).toHaveLength(1000);
    expect(emulator.store.experiment(experiment.id)?.status).toBe("done");
  });

  it("Process hooks off", async () => {
    // snippet
    await experiment.run(
      () => {
        experiment.metric("loss", 0.5, { step: 0 });
      },
      { installHooks: false },
    );
    // end snippet
    expect(stored()).toHaveLength(1);
  });

  it("await using", async () => {
    const train = (e: Experiment): void => e.metric("loss", 0.3, { step: 0 });
    // snippet
    {
      await using run = experiment.running();
      try {
        train(experiment);
      } catch (error) {
        run.fail(); // `await using` cannot see the exception: report it
        throw error;
      }
    } // disposal: done (or failed), then a best-effort flush
    // end snippet
    expect(emulator.store.experiment(experiment.id)?.status).toBe("done");
    expect(stored()).toHaveLength(1);
  });

  it("One experiment per run (409)", async () => {
    const slug = experiment.slug;
    // snippet
    const again = await collector.experiment(slug, { ifExists: "reuse" });
    // end snippet
    expect(again.id).toBe(experiment.id);
    await expect(collector.experiment(slug)).rejects.toMatchObject({ code: "conflict" });
  });

  it("Validation errors", () => {
    const logged = vi.spyOn(console, "log").mockImplementation(() => undefined);
    // snippet
    try {
      experiment.metric("loss", Number.NaN, { step: 0 });
    } catch (error) {
      if (error instanceof SyvainValidationError) console.log(error.field, error.message);
    }
    // end snippet
    expect(logged).toHaveBeenCalledWith("value", expect.stringContaining("must be a finite number"));
  });

  it("JsonlCollector", async () => {
    const dir = await mkdtemp(join(tmpdir(), "readme-jsonl-"));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      // snippet
      const collector = new JsonlCollector({ path: "artifacts/metrics/run-001.jsonl" });
      const experiment = await collector.experiment("run-001", { meta: { model: "mamba" } });

      await experiment.run(() => {
        experiment.metric("loss", 0.42, { step: 1, metadata: { split: "train" } });
        experiment.annotation("local checkpoint written", { metadata: { path: "ckpt.pt" } });
      });

      await experiment.flushOrRaise();
      // end snippet
      await collector.close();
      const lines = (await readFile(join(dir, "artifacts/metrics/run-001.jsonl"), "utf8")).trim().split("\n");
      expect(lines).toHaveLength(5);
    } finally {
      process.chdir(cwd);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("NoopCollector", async () => {
    // snippet
    const collector = new NoopCollector();
    const experiment = await collector.experiment("unit-test-run");

    await experiment.run(() => {
      experiment.metric("loss", 0.42, { step: 1 });
    });
    // end snippet
    expect(experiment.stats().metrics.accepted).toBe(1);
  });

  it("Constructor options", async () => {
    // snippet
    const collector = new Collector("ak_org_...", {
      host: "https://metrics.syvain.com",
      timeout: 10.0,
      ingestTimeout: 60.0,
      flushDelaySeconds: 0.25,
      maxQueueItems: 100_000,
      maxBatchItems: 500,
      maxRetries: null,
    });
    // end snippet
    expect(collector.host).toBe("https://metrics.syvain.com");
    await collector.close();
  });

  it("OpenTelemetry view", async () => {
    // snippet
    const meterProvider = experiment.createMeterProvider();
    meterProvider
      .getMeter("trainer")
      .createObservableGauge("process.memory.rss", { unit: "By" })
      .addCallback((result) => result.observe(process.memoryUsage().rss));
    // Instrumentations work the same way, e.g. `new HostMetrics({ meterProvider }).start()`.
    // end snippet
    await meterProvider.forceFlush();
    expect(stored().map((m) => m.name)).toEqual(["process.memory.rss"]);
  });
});
