import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_API_KEY, startEmulator } from "syvain-metrics-otel/testing";
import type { Emulator } from "syvain-metrics-otel/testing";
import { apiLimits } from "../../src/api/contract.ts";
import type { MetricEvent } from "../../src/api/contract.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import type { SyvainClient } from "../../src/client/client-types.ts";
import { instantRetries } from "./scripted-server.ts";

let emulator: Emulator;
let client: SyvainClient;
const waits: number[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ folders: [{ path: "/team" }, { path: "/dup" }, { path: "/dup" }] });
  client = createSyvainClient({
    apiKey: EMULATOR_API_KEY,
    host: emulator.url,
    ...instantRetries(waits),
  });
});
afterEach(() => {
  emulator.faults.clear();
  waits.length = 0;
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});

let seq = 0;
const metric = (name: string, step: number, value = step * 0.5): MetricEvent => ({
  client_event_id: `m-${++seq}`,
  name,
  value,
  step,
  timestamp: 1_764_000_000_000 + step,
  metadata: { split: "train" },
});

describe("client against the emulator", () => {
  it("round-trips every endpoint", async () => {
    const team = emulator.store.folders().find((f) => f.path === "/team");
    const folders = await client.findFolders("/team");
    expect(folders.map((f) => f.id)).toEqual([team?.id]);

    const created = await client.createExperiment({ slug: "round-trip", folder_id: team?.id ?? "", metadata: { lr: 0.1 } });
    expect(created).toMatchObject({ slug: "round-trip", status: "created", metadata: { lr: 0.1 } });
    expect(await client.getExperiment("round-trip")).toEqual(created);
    expect((await client.listExperiments({ slug: "round-trip" })).experiments.map((e) => e.id)).toEqual([created.id]);
    expect((await client.updateExperimentStatus(created.id, "running")).status).toBe("running");

    const events = [metric("loss", 0), metric("loss", 1), metric("acc", 1)];
    expect(await client.ingestMetrics(created.id, events, { idempotencyKey: "b1" })).toEqual({ accepted: 3, duplicates: 0 });
    expect(emulator.store.metrics(created.id)).toEqual(events);

    const annotation = { client_event_id: "a-1", text: "epoch done", timestamp: 1_764_000_000_500, metadata: { epoch: 1 } };
    expect(await client.ingestAnnotations(created.id, [annotation], { idempotencyKey: "b2" })).toEqual({ accepted: 1, duplicates: 0 });
    expect((await client.listAnnotations(created.id)).annotations).toEqual([annotation]);

    const series = await client.querySeries({ experiment_id: created.id, metric_name: "loss" });
    expect(series).toHaveLength(1);
    expect(series[0]?.data.value).toEqual(events.filter((e) => e.name === "loss").map((e) => e.value));
  });

  it("an ambiguous folder path answers several folders", async () => {
    expect(await client.findFolders("/dup")).toHaveLength(2);
  });

  it("401 for a wrong key", async () => {
    const wrong = createSyvainClient({ apiKey: "ak_org_wrong", host: emulator.url });
    const error = await wrong.getExperiment("x").catch((e: unknown) => e);
    await wrong.close();
    expect(error).toMatchObject({ code: "auth", status: 401, retryable: false });
    expect((error as Error).message).not.toContain("ak_org_wrong");
  });

  it("404, 409 with the existing id, 422 with details, 413", async () => {
    await expect(client.getExperiment("missing")).rejects.toMatchObject({ code: "not_found", status: 404 });

    const first = await client.createExperiment({ slug: "taken" });
    await expect(client.createExperiment({ slug: "taken" })).rejects.toMatchObject({ code: "conflict", status: 409, experimentId: first.id });

    const bad = { ...metric("loss", 2), value: "NaN" as unknown as number };
    const invalid = await client.ingestMetrics(first.id, [metric("loss", 1), bad], { idempotencyKey: "b3" }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: "validation", status: 422, serverCode: "validation_failed" });
    expect((invalid as { details?: { index: number | null }[] }).details?.[0]?.index).toBe(1);

    const tooMany = Array.from({ length: apiLimits.maxIngestItems + 1 }, (_, i) => metric("loss", i));
    await expect(client.ingestMetrics(first.id, tooMany, { idempotencyKey: "b4" })).rejects.toMatchObject({ code: "payload_too_large", status: 413, retryable: false });
  });

  it("the same Idempotency-Key with another body → validation idempotency_key_reused", async () => {
    const e = await client.createExperiment({ slug: "reuse" });
    await client.ingestMetrics(e.id, [metric("x", 1)], { idempotencyKey: "same" });
    await expect(client.ingestMetrics(e.id, [metric("x", 2)], { idempotencyKey: "same" })).rejects.toMatchObject({
      code: "validation",
      serverCode: "idempotency_key_reused",
    });
  });

  it("retries a control call through 429, 503 and a reset, honouring Retry-After, with one Idempotency-Key", async () => {
    emulator.faults.script("createExperiment", [{ status: 429, retryAfterSeconds: 3 }, { status: 503, retryAfterSeconds: 1 }, { reset: true }]);
    const e = await client.createExperiment({ slug: "through-faults" });
    expect(e.slug).toBe("through-faults");
    expect(waits.slice(0, 2)).toEqual([3000, 1000]);
    expect(waits).toHaveLength(3);
    expect(emulator.store.experiments().filter((x) => x.slug === "through-faults")).toHaveLength(1);
  });

  it("a create stored then failed comes back from its retry as 409 with the stored id (callers get-or-create)", async () => {
    emulator.faults.script("createExperiment", [{ storeThenFail: 500 }]);
    const error = await client.createExperiment({ slug: "stored-then-failed" }).catch((e: unknown) => e);
    const stored = emulator.store.experiment("stored-then-failed");
    expect(error).toMatchObject({ code: "conflict", experimentId: stored?.id });
    expect(waits).toHaveLength(1);
  });

  it("ingest is not retried by the client: the caller's retry with the same key stores the batch once", async () => {
    const e = await client.createExperiment({ slug: "ingest-once" });
    emulator.faults.script("ingestMetrics", [{ storeThenFail: "reset" }]);
    const events = [metric("loss", 1), metric("loss", 2)];
    await expect(client.ingestMetrics(e.id, events, { idempotencyKey: "batch" })).rejects.toMatchObject({ code: "network", retryable: true });
    expect(waits).toEqual([]);
    const retried = await client.ingestMetrics(e.id, events, { idempotencyKey: "batch" });
    expect(retried).toEqual({ accepted: 0, duplicates: 2 });
    expect(emulator.store.metrics(e.id)).toEqual(events);
  });
});
