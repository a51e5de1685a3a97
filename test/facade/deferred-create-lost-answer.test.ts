/**
 * A deferred `create` (ifExists "error") whose own creation reached Syvain but whose answer was lost
 * (the emulator's storeThenFail: applied, no idempotency record kept, the connection reset): the
 * retry with the same key is answered `409 experiment_exists` about our own experiment. That was
 * read as "slug taken by another run" and the run's events were discarded (found by an outside
 * review). The experiment was created after this `experiment()` call started, so it is ours.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";

it("our own creation with a lost answer is not another run's slug: every event is stored once in it, the run ends done, no discard", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "lost-answer-"));
  const warnings: string[] = [];
  const listener = (w: Error): void => void warnings.push(w.message);
  process.on("warning", listener);
  try {
    await withEmulator(async (emulator) => {
      // Unavailable long enough for experiment() to defer, then stored with the answer lost.
      const unavailable = Array.from({ length: 8 }, () => ({ status: 503, retryAfterSeconds: 0 }));
      emulator.faults.script("createExperiment", [...unavailable, { storeThenFail: "reset" }]);
      const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: path.join(root, "spool"), flushDelaySeconds: 0.01, timeout: 1 });
      try {
        const experiment = await collector.experiment("lost-answer");
        experiment.start();
        for (let step = 0; step < 50; step++) experiment.metric("loss", step, { step });
        experiment.done();
        await experiment.flushOrRaise({ timeoutSeconds: 30 });
      } finally {
        await collector.close();
      }
      expect(emulator.store.metrics("lost-answer").map((m) => m.step)).toEqual(Array.from({ length: 50 }, (_, step) => step));
      expect(emulator.store.experiment("lost-answer")?.status).toBe("done");
      expect(warnings.filter((w) => w.includes("discarded"))).toEqual([]);
    });
  } finally {
    process.off("warning", listener);
    rmSync(root, { recursive: true, force: true });
  }
}, 60_000);
