import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { createJsonlSink } from "../../src/delivery/jsonl-sink.ts";
import { createJsonlWriter } from "../../src/delivery/jsonl-writer.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { metric } from "./scripted-sink.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syvain-jsonl-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async (path: string): Promise<Record<string, unknown>[]> =>
  (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("createJsonlWriter", () => {
  it("creates parent folders and appends committed records durably to existing content", async () => {
    const path = join(dir, "a", "b", "run.jsonl");
    const writer = createJsonlWriter(path);
    await writer.commit([{ type: "experiment", experiment: "run-1", meta: { lr: 0.1 } }]);
    expect(await lines(path)).toEqual([{ type: "experiment", experiment: "run-1", meta: { lr: 0.1 } }]);
    await writer.close();
    const again = createJsonlWriter(path);
    await again.commit([{ type: "status", experiment: "run-1", status: "done" }]);
    await again.close();
    expect((await lines(path)).map((l) => l.type)).toEqual(["experiment", "status"]);
  });

  it("fails at creation, naming the path, when the file cannot be opened", async () => {
    const blocker = join(dir, "file");
    await writeFile(blocker, "x");
    expect(() => createJsonlWriter(join(blocker, "run.jsonl"))).toThrow(SyvainValidationError);
    expect(() => createJsonlWriter(join(blocker, "run.jsonl"))).toThrow(/run\.jsonl/);
  });

  it("writes commits made together in one group, in order, and refuses commits once closed", async () => {
    const path = join(dir, "big.jsonl");
    const writer = createJsonlWriter(path);
    const text = "x".repeat(1000);
    const commits = Array.from({ length: 30 }, (_, c) =>
      writer.commit(Array.from({ length: 100 }, (_, i) => ({ type: "annotation" as const, experiment: "e", i: c * 100 + i, text }))),
    );
    await Promise.all(commits);
    const read = await lines(path);
    expect(read.map((l) => l.i)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    await writer.close();
    await expect(writer.commit([{ type: "metric", experiment: "e" }])).rejects.toMatchObject({ code: "shutdown", message: expect.stringMatching(/closed/) as unknown });
  });
});

describe("createJsonlSink through an Outbox", () => {
  it("writes one typed record per event and status, several experiments in one file, durable after flush", async () => {
    const path = join(dir, "out", "metrics.jsonl");
    const writer = createJsonlWriter(path);
    const a = new Outbox({ sink: createJsonlSink({ writer, experiment: { id: "id-a", slug: "run-a" } }) });
    const b = new Outbox({ sink: createJsonlSink({ writer, experiment: { id: "id-b", slug: "run-b" } }) });
    const m1 = metric("loss", 1);
    a.enqueueMetric(m1);
    a.enqueueAnnotation({ client_event_id: "n1", text: "hello", timestamp: 5, metadata: { k: [1, 2] } });
    a.enqueueStatus("done");
    const m2 = metric("acc", 2);
    b.enqueueMetric(m2);
    expect(await a.flushOrRaise()).toMatchObject({ ok: true });
    expect(await b.close()).toMatchObject({ ok: true });
    const read = await lines(path);
    expect(read).toContainEqual({ type: "metric", experiment: "run-a", ...m1 });
    expect(read).toContainEqual({ type: "annotation", experiment: "run-a", client_event_id: "n1", text: "hello", timestamp: 5, metadata: { k: [1, 2] } });
    expect(read).toContainEqual({ type: "metric", experiment: "run-b", ...m2 });
    const status = read.find((l) => l.type === "status");
    expect(status).toMatchObject({ experiment: "run-a", experiment_id: "id-a", status: "done" });
    // The status comes after the events enqueued before it.
    expect(read.findIndex((l) => l.type === "status")).toBeGreaterThan(read.findIndex((l) => l.client_event_id === m1.client_event_id));
    await writer.close();
  });

  it("reports a closed writer as failed delivery instead of throwing", async () => {
    const writer = createJsonlWriter(join(dir, "x.jsonl"));
    await writer.close();
    const outbox = new Outbox({ sink: createJsonlSink({ writer, experiment: { id: "i", slug: "s" } }) });
    outbox.enqueueMetric(metric());
    const status = await outbox.flush();
    expect(status).toMatchObject({ ok: false, failedMetrics: 1 });
    expect(status.lastError?.code).toBe("shutdown");
  });
});
