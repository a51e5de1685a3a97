/**
 * A loop that logs thousands of events between two turns of the event loop into a `JsonlCollector`
 * loses none of them. An event counts as delivered only once its line is written (so the outbox holds
 * it until then), and an asynchronous write finishes only at the next turn: the file took one write
 * (`maxBatchItems` x `maxConcurrentRequests` events) per turn, the queue filled, and events were
 * dropped (44 % of 300,000 at ~200k events/s, yielding every 5,000). Lines are written synchronously.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { JsonlCollector } from "../../src/index.ts";

const root = mkdtempSync(path.join(tmpdir(), "jsonl-burst-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("bursts of 10,000 events between event-loop turns, a queue of 20,000: every event is in the file, none dropped", async () => {
  const file = path.join(root, "run.jsonl");
  const collector = new JsonlCollector({ path: file, maxQueueItems: 20_000 });
  const experiment = await collector.experiment("bursts");
  const BURSTS = 6;
  const PER_BURST = 10_000;
  for (let burst = 0; burst < BURSTS; burst++) {
    for (let i = 0; i < PER_BURST; i++) experiment.metric("loss", i / PER_BURST, { step: burst * PER_BURST + i });
    await new Promise((resolve) => setImmediate(resolve));
  }
  const status = await experiment.flush();
  await collector.close();
  expect(status).toMatchObject({ ok: true, droppedMetrics: 0, pendingMetrics: 0 });
  const steps = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.includes('"type":"metric"'))
    .map((line) => (JSON.parse(line) as { step: number }).step);
  expect(new Set(steps).size).toBe(BURSTS * PER_BURST);
  expect(steps.length).toBe(BURSTS * PER_BURST);
});
