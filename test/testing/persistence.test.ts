import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiPaths } from "../../src/api/contract.ts";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { startEmulator } from "syvain-metrics-otel/testing";
import { call, createExperiment, errorOf, metric } from "./http.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syvain-emulator-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("persistence", () => {
  it("sees every experiment, event, dedup id and idempotency record after a restart", async () => {
    const dataFile = join(dir, "data.json");
    const folders = [{ path: "/proj" }, { path: "/proj" }];
    const first = await startEmulator({ dataFile, folders, apiKeys: ["ak_org_persist", "ak_org_emulator"] });
    const id = await createExperiment(first, "kept", { metadata: { a: 1 } });
    await call(first, "PATCH", apiPaths.experiment(id), { body: { status: "running" } });
    await call(first, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [metric("m1"), metric("m2", { metadata: { k: "v" } })] }, idempotencyKey: "batch-1" });
    await call(first, "POST", apiPaths.experimentAnnotations(id), { body: { annotations: [{ client_event_id: "n1", text: "hi", timestamp: 5, metadata: { x: [1] } }] } });
    const foldersBefore = first.store.folders();
    const experimentBefore = first.store.experiment(id);
    await first.close();
    expect(await readFile(dataFile, "utf8")).not.toContain("ak_org_persist");
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    await using second = await startEmulator({ dataFile, folders, apiKeys: ["ak_org_persist", "ak_org_emulator"] });
    expect(second.store.experiment(id)).toEqual(experimentBefore);
    expect(second.store.folders()).toEqual(foldersBefore);
    expect(second.store.metrics(id).map((e) => e.client_event_id)).toEqual(["m1", "m2"]);
    expect(second.store.annotations(id)).toEqual([{ client_event_id: "n1", text: "hi", timestamp: 5, metadata: { x: [1] } }]);
    // dedup ids survive: metrics and annotation ids are duplicates
    const dup = await call(second, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [metric("m1"), metric("n1"), metric("m3")] } });
    expect(dup.json).toEqual({ accepted: 1, duplicates: 2 });
    // idempotency records survive: same key + body replays, other body conflicts
    const replay = await call(second, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [metric("m1"), metric("m2", { metadata: { k: "v" } })] }, idempotencyKey: "batch-1" });
    expect(replay.json).toEqual({ accepted: 2, duplicates: 0 });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const reuse = await call(second, "POST", apiPaths.experimentMetrics(id), { body: { metrics: [] }, idempotencyKey: "batch-1" });
    expect(errorOf(reuse).code).toBe("idempotency_key_reused");
    // slugs survive
    expect((await call(second, "POST", apiPaths.experiments(), { body: { slug: "kept" } })).status).toBe(409);
    const series = await call(second, "POST", apiPaths.metricSeries(), { body: { experiment_id: id, metadata_filter: [{ key: "k", value: "v" }] } });
    expect(series.json.series).toHaveLength(1);
  });

  it("saves after changes without waiting for close", async () => {
    const dataFile = join(dir, "live.json");
    await using emulator = await startEmulator({ dataFile, saveDelayMs: 0 });
    await createExperiment(emulator, "soon");
    // The debounced save runs by itself; no explicit save() or close() here.
    let saved: string | undefined;
    for (let i = 0; i < 400 && !saved?.includes('"soon"'); i++) {
      await new Promise((r) => setTimeout(r, 10));
      saved = await readFile(dataFile, "utf8").catch(() => undefined);
    }
    expect(JSON.parse(saved!).experiments[0].experiment.slug).toBe("soon");
  });

  it("keeps the data file private (0600), tightening one that existed with 0644", async () => {
    const dataFile = join(dir, "mode.json");
    await writeFile(dataFile, JSON.stringify({ version: 1, folders: [], experiments: [], idempotency: [] }));
    await chmod(dataFile, 0o644);
    await using emulator = await startEmulator({ dataFile });
    expect((await stat(dataFile)).mode & 0o777).toBe(0o600);
    await createExperiment(emulator, "private");
    await emulator.save();
    expect((await stat(dataFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(dataFile, "utf8")).toContain('"private"');
    expect((await readdir(dir)).sort()).toEqual(["mode.json"]);
  });

  it("fails at start when the data file cannot be written", async () => {
    await expect(startEmulator({ dataFile: join(dir, "missing-dir", "data.json") })).rejects.toThrow(/ENOENT/);
  });

  it("refuses a file that is not an emulator data file", async () => {
    const dataFile = join(dir, "other.json");
    await writeFile(dataFile, JSON.stringify({ hello: "world" }));
    await expect(startEmulator({ dataFile })).rejects.toThrow(/not an emulator data file/);
    await expect(startEmulator({ dataFile })).rejects.toBeInstanceOf(SyvainValidationError);
  });

  it("refuses a file that is not JSON with the same typed error", async () => {
    const dataFile = join(dir, "cut.json");
    await writeFile(dataFile, '{"version": 1, "folders": [');
    await expect(startEmulator({ dataFile })).rejects.toThrow(new RegExp(`${dataFile} is not an emulator data file`));
    await expect(startEmulator({ dataFile })).rejects.toBeInstanceOf(SyvainValidationError);
  });
});
