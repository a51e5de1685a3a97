/**
 * Review 10: `experiment.close({ timeoutSeconds })` (and `experiment.close()`, whose deadline is
 * `exitFlushTimeoutSeconds`) while the experiment's creation is deferred and Syvain accepts
 * connections but never answers. `collector.close()` aborts the held creation at its deadline
 * (hanging-creation.test.ts); `experiment.close()` does not: the outbox's sink close awaits the
 * creation (creatingSink's `close` awaits `creation`), so the close lasts every creation attempt
 * (4 x `timeout`, ~40 s by default) instead of its deadline. Docs (facade.md "Closing"): the
 * caller's `timeoutSeconds` is the deadline for everything the close covers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { startGate } from "./gated-syvain.ts";

let root: string;
beforeAll(() => void (root = mkdtempSync(path.join(tmpdir(), "experiment-close-deferred-"))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("experiment.close() while its deferred creation hangs", () => {
  it("ends by its own deadline, not after every creation attempt", async () => {
    await withEmulator(async (emulator) => {
      const gate = await startGate(emulator.port);
      const spoolDir = path.join(root, "close");
      // 5 s per creation attempt, 4 attempts: a close() that waits for the creation lasts ~20 s, not 1 s.
      const collector = new Collector(emulator.apiKey, { host: gate.url, spoolDir, flushDelaySeconds: 0.01, timeout: 5, exitFlushTimeoutSeconds: 30 });
      const onWarning = (): void => undefined;
      process.on("warning", onWarning);
      try {
        const experiment = await collector.experiment("never-answered-experiment-close");
        for (let step = 0; step < 10; step++) experiment.metric("loss", step, { step });
        let lateFired = false;
        const late = setTimeout(() => (lateFired = true), 10_000);
        const status = await experiment.close({ timeoutSeconds: 1 });
        clearTimeout(late);
        expect(lateFired).toBe(false);
        expect(status.ok).toBe(false);
        expect(status.failedMetrics + status.pendingMetrics).toBe(10);
      } finally {
        process.off("warning", onWarning);
        await collector.close({ timeoutSeconds: 1 });
        await gate.close();
      }
    });
  }, 60_000);
});
