import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JsonlCollector } from "syvain-metrics-otel";
import { startEmulator } from "syvain-metrics-otel/testing";
import { SyvainValidationError } from "../../../src/api/errors.ts";
import { loadViewerFile } from "../../../src/testing/viewer/load-file.ts";
import { experimentDetail, listExperiments, metricChart } from "../../../src/testing/viewer/read-model.ts";
import { seedRun, at } from "./seed.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "viewer-load-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadViewerFile", () => {
  it("reads what a JsonlCollector wrote: experiment, status, metrics, annotations, folder path", async () => {
    const path = join(dir, "runs.jsonl");
    const collector = new JsonlCollector({ path });
    const experiment = await collector.experiment("jsonl-run", { meta: { lr: 0.1 }, folderPath: "/team/vision" });
    await experiment.run(() => {
      for (let step = 0; step < 5; step++) experiment.metric("loss", 1 / (step + 1), { step, metadata: { split: "train" } });
      experiment.annotation("halfway");
    });
    await experiment.flushOrRaise();
    await collector.close();

    const loaded = await loadViewerFile(path);
    expect(loaded.format).toBe("jsonl");
    const [row] = listExperiments(loaded.store);
    expect(row).toMatchObject({ slug: "jsonl-run", status: "done", folder: "/team/vision", metadata: { lr: 0.1 }, points: 5, annotations: 1 });
    const chart = metricChart(loaded.store, ["jsonl-run"], "loss", { buckets: 100 });
    expect(chart?.series.map((s) => [s.label, s.x])).toEqual([["split=train", [0, 1, 2, 3, 4]]]);
    expect(chart?.annotations.map((a) => a.text)).toEqual(["halfway"]);
  });

  it("reads an emulator data file", async () => {
    const dataFile = join(dir, "emulator.json");
    const emulator = await startEmulator({ dataFile });
    await seedRun(emulator, { slug: "saved-run", points: 7, status: "done", annotations: [{ text: "note", timestamp: at(3) }] });
    await emulator.close();
    const loaded = await loadViewerFile(dataFile);
    expect(loaded.format).toBe("data-file");
    expect(experimentDetail(loaded.store, "saved-run")?.metrics).toEqual([
      { name: "loss", series: [{ label: "split=train", metadata: { split: "train" }, points: 7 }, { label: "split=val", metadata: { split: "val" }, points: 7 }] },
    ]);
    // The annotation sits at the step logged at its time.
    expect(metricChart(loaded.store, ["saved-run"], "loss", { buckets: 100 })?.annotations).toEqual([{ x: 3, text: "note" }]);
  });

  it("leaves out a cut-short last line, counts a replayed line once, charts by time without steps", async () => {
    const path = join(dir, "cut.jsonl");
    const metric = { type: "metric", experiment: "r", client_event_id: "a", name: "gpu", value: 1, step: null, timestamp: 2000, metadata: {} };
    await writeFile(path, `${JSON.stringify(metric)}\n${JSON.stringify(metric)}\n{"type":"metric","exper`);
    const loaded = await loadViewerFile(path);
    expect(loaded.truncatedLastLine).toBe(true);
    const chart = metricChart(loaded.store, ["r"], "gpu", { buckets: 100 });
    expect(chart).toMatchObject({ axis: "time", series: [{ x: [2], y: [1], total: 1 }] });
  });

  it("names the file, line and field of a bad record", async () => {
    const path = join(dir, "bad.jsonl");
    await writeFile(path, `{"type":"status","experiment":"r","status":"exploded"}\n`);
    const error = await loadViewerFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect(error).toMatchObject({ field: "status", value: "exploded" });
    expect((error as Error).message).toContain(`${path} line 1`);
    await writeFile(path, `not json\n{}\n`);
    await expect(loadViewerFile(path)).rejects.toThrow(/line 1: not JSON/);
    await expect(loadViewerFile(join(dir, "missing.jsonl"))).rejects.toThrow(/cannot read/);
  });
});
