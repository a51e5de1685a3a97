/** The OTel view of a facade experiment: resource, and providers that report into the same experiment. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { Collector } from "../../src/facade/collector.ts";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonlCollector, NoopCollector } from "../../src/facade/local-collectors.ts";
import type { Batch } from "../../src/delivery/delivery-types.ts";
import type { IngestResult } from "../../src/api/contract.ts";
import { RecordingSink, testExperiment } from "./helpers.ts";

let emulator: Emulator;
let collector: Collector;
beforeAll(async () => {
  emulator = await startEmulator({ folders: [{ path: "/vision" }] });
  collector = new Collector(emulator.apiKey, { host: emulator.url, flushDelaySeconds: 0.01 });
});
afterAll(async () => {
  await collector.close();
  await emulator.close();
});

describe("experiment.resource", () => {
  it("names the experiment: slug, description, folder and flattened meta", async () => {
    const experiment = await new NoopCollector().experiment("resnet-7", {
      description: "ablation",
      folderId: "f-1",
      meta: { model: "resnet", config: { batch_size: 32 } },
    });
    expect(experiment.resource.attributes).toMatchObject({
      "syvain.experiment.slug": "resnet-7",
      "syvain.experiment.description": "ablation",
      "syvain.folder.id": "f-1",
      model: "resnet",
      "config.batch_size": 32,
    });
  });
});

describe("createMeterProvider() / createLoggerProvider()", () => {
  it("OTel metrics and log records land in the facade's experiment, next to metric() points", async () => {
    const experiment = await collector.experiment("otel-view-1", { folderPath: "/vision" });
    const meterProvider = experiment.createMeterProvider({ exportIntervalMillis: 60_000 });
    const loggerProvider = experiment.createLoggerProvider();
    const gauge = meterProvider.getMeter("trainer").createGauge("gpu_utilization");
    const logger = loggerProvider.getLogger("trainer");
    experiment.metric("loss", 0.5, { step: 1 });
    gauge.record(78, { step: 1, device: "gpu:0" });
    logger.emit({ body: "checkpoint written", attributes: { path: "ckpt.pt" } });
    await meterProvider.forceFlush();
    await loggerProvider.forceFlush();
    await experiment.flushOrRaise();
    const names = emulator.store.series(experiment.id).map((s) => [s.metric_name, s.metadata, s.data.steps]);
    expect(names).toEqual(
      expect.arrayContaining([
        ["loss", {}, [1]],
        ["gpu_utilization", { device: "gpu:0" }, [1]],
      ]),
    );
    expect(emulator.store.annotations(experiment.id)).toMatchObject([{ text: "checkpoint written", metadata: { path: "ckpt.pt" } }]);
    // Bound to the existing experiment: the exporters created nothing else.
    expect(emulator.store.experiments().filter((e) => e.slug === "otel-view-1")).toHaveLength(1);
    await experiment.close();
  });

  it("the end of run() flushes the providers the experiment made; close() shuts them down", async () => {
    const experiment = await collector.experiment("otel-view-2");
    const meterProvider = experiment.createMeterProvider({ exportIntervalMillis: 60_000 });
    await experiment.run(() => {
      meterProvider.getMeter("trainer").createGauge("tokens_per_second").record(1820, { step: 3 });
    });
    expect(emulator.store.metrics(experiment.id, { name: "tokens_per_second" })).toMatchObject([{ value: 1820, step: 3 }]);
    await experiment.close();
    expect(() => experiment.createMeterProvider()).toThrow(expect.objectContaining({ code: "shutdown" }) as Error);
  });

  it("run()'s terminal status reaches the server after the OTel points recorded in the block, even when they are slower to deliver", async () => {
    /** Metric batches take a while (a slow request); the facade's status update is quick. */
    class SlowMetricsSink extends RecordingSink {
      override async deliver(batch: Batch): Promise<IngestResult> {
        if (batch.kind === "metric") await new Promise((resolve) => setTimeout(resolve, 100));
        return super.deliver(batch);
      }
    }
    for (const form of ["run", "await using"] as const) {
      const sink = new SlowMetricsSink();
      const slow = testExperiment({ sink });
      const meterProvider = slow.experiment.createMeterProvider({ exportIntervalMillis: 60_000 });
      const gauge = meterProvider.getMeter("trainer").createGauge("gpu_utilization");
      if (form === "run") {
        await slow.experiment.run(() => gauge.record(78, { step: 1 }), { installHooks: false });
      } else {
        await using _scope = slow.experiment.running({ installHooks: false });
        gauge.record(78, { step: 1 });
      }
      await slow.experiment.flushOrRaise();
      expect(sink.sequence, form).toEqual(["status:running", "metric", "status:done"]);
      await slow.experiment.close();
    }
  });

  it("with a JsonlCollector, OTel points go to the same file, under the same experiment", async () => {
    const dir = await mkdtemp(join(tmpdir(), "otel-view-jsonl-"));
    try {
      const path = join(dir, "run.jsonl");
      const local = new JsonlCollector({ path });
      const experiment = await local.experiment("local-otel");
      const meterProvider = experiment.createMeterProvider({ exportIntervalMillis: 60_000 });
      experiment.metric("loss", 0.5, { step: 2 });
      meterProvider.getMeter("trainer").createGauge("gpu_utilization").record(70, { step: 2 });
      await meterProvider.forceFlush();
      await experiment.flushOrRaise();
      await local.close();
      const records = (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
      const metrics = records.filter((r) => r.type === "metric");
      expect(metrics.map((r) => [r.experiment, r.name, r.step]).sort()).toEqual([
        ["local-otel", "gpu_utilization", 2],
        ["local-otel", "loss", 2],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
