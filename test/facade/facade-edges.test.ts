/**
 * The facade's edges (issue 10, item 11): events after `done()`, `start()` after a terminal status,
 * huge steps, and the JSONL collector's slug uniqueness.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SyvainError, SyvainValidationError } from "../../src/api/errors.ts";
import { JsonlCollector } from "../../src/facade/local-collectors.ts";
import { testExperiment } from "./helpers.ts";

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("events after done()", () => {
  it("are accepted and delivered after the terminal status (a final eval after done is data too), status unchanged", async () => {
    const { experiment, sink, warnings } = testExperiment();
    await experiment.run((e) => e.metric("loss", 0.5, { step: 0 }), { installHooks: false });
    experiment.metric("eval/accuracy", 0.91, { step: null });
    experiment.annotation("final evaluation");
    const status = await experiment.flushOrRaise();
    expect(status.ok).toBe(true);
    expect(experiment.status).toBe("done");
    expect(sink.metrics.map((m) => m.name)).toEqual(["loss", "eval/accuracy"]);
    expect(sink.annotations.map((a) => a.text)).toEqual(["final evaluation"]);
    expect(sink.sequence).toEqual(["status:running", "metric", "status:done", "metric", "annotation"]);
    expect(warnings).toEqual([]);
  });
});

describe("start() after a terminal status", () => {
  it.each(["done", "fail"] as const)("after %s(): a SyvainValidationError (invalid_argument) naming the status", (end) => {
    const { experiment } = testExperiment();
    experiment.start({ installHooks: false });
    experiment[end]();
    const error = thrown(() => experiment.start({ installHooks: false }));
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect(error).toMatchObject({ code: "invalid_argument", field: "status", value: end === "done" ? "done" : "failed" });
    expect((error as Error).message).toContain('experiment "unit-run" already finished');
  });
});

describe("step bounds", () => {
  it("a step of 2**60 is rejected as not a safe integer, and the message says so", () => {
    const { experiment } = testExperiment();
    const error = thrown(() => experiment.metric("loss", 1, { step: 2 ** 60 }));
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect((error as Error).message).toContain("safe integer");
    expect((error as Error).message).toContain(String(Number.MAX_SAFE_INTEGER));
  });

  it("Number.MAX_SAFE_INTEGER itself is a valid step", async () => {
    const { experiment, sink } = testExperiment();
    experiment.metric("loss", 1, { step: Number.MAX_SAFE_INTEGER });
    await experiment.flushOrRaise();
    expect(sink.metrics[0]!.step).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe("JsonlCollector slugs", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("the same slug twice raises conflict (as the Collector does), ifExists: reuse hands it out again", async () => {
    dir = await mkdtemp(join(tmpdir(), "jsonl-slug-"));
    const path = join(dir, "run.jsonl");
    const collector = new JsonlCollector({ path });
    const first = await collector.experiment("run-1");
    const error = await collector.experiment("run-1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyvainError);
    expect(error).toMatchObject({ code: "conflict" });
    expect((error as Error).message).toContain('"run-1" already exists');
    const again = await collector.experiment("run-1", { ifExists: "reuse" });
    expect(again.id).toBe(first.id);
    await collector.close();
    const records = (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { type: string });
    // One experiment record: the refused and the reused calls write none.
    expect(records.filter((r) => r.type === "experiment")).toHaveLength(1);
  });
});

describe("collector.close()", () => {
  it("returns each experiment's final flush status instead of discarding it; a second close returns the same", async () => {
    const { NoopCollector } = await import("../../src/facade/local-collectors.ts");
    const collector = new NoopCollector();
    const a = await collector.experiment("close-a");
    const b = await collector.experiment("close-b");
    a.metric("loss", 1, { step: 0 });
    b.annotation("note");
    const statuses = await collector.close();
    expect(statuses.map((s) => [s.slug, s.id, s.status.ok])).toEqual([
      ["close-a", "local:close-a", true],
      ["close-b", "local:close-b", true],
    ]);
    expect(await collector.close()).toBe(statuses);
  });
});
