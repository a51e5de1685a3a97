/**
 * `collector.experiment()` online, with the spool, against a Syvain that accepts connections and
 * never answers (a TCP gate in front of the emulator, held closed): it returns once the deferral
 * delay passes, not after every creation attempt's timeout (here 60 s each, so waiting for an answer
 * would outlast the test), whatever `ifExists` says. Once Syvain answers (the gate opens), the
 * creation that was held is the one that counts: one creation request, one experiment, every event
 * stored once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { writerDirs } from "../delivery/spool/spool-helpers.ts";
import { startGate } from "./gated-syvain.ts";

let root: string;
beforeAll(() => void (root = mkdtempSync(path.join(tmpdir(), "hanging-creation-"))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("collector.experiment() while Syvain hangs", () => {
  for (const ifExists of ["error", "reuse"] as const) {
    it(`ifExists "${ifExists}": returns without the answer, and once Syvain answers every event is stored once in one experiment`, async () => {
      await withEmulator(async (emulator) => {
        const gate = await startGate(emulator.port);
        const spoolDir = path.join(root, ifExists);
        const collector = new Collector(emulator.apiKey, { host: gate.url, spoolDir, flushDelaySeconds: 0.01, timeout: 60 });
        const onWarning = (): void => undefined;
        process.on("warning", onWarning);
        try {
          const slug = `hanging-${ifExists}`;
          const experiment = await collector.experiment(slug, { ifExists, meta: { lr: 0.1 } });
          // Returned while the creation request is still held, unanswered, by the gate.
          expect(gate.held).toBeGreaterThanOrEqual(1);
          expect(experiment.id).toBe(`pending:${slug}`);
          expect(emulator.counters.requests["createExperiment"] ?? 0).toBe(0);
          experiment.start();
          for (let step = 0; step < 50; step++) experiment.metric("loss", step, { step });
          experiment.annotation("logged while Syvain hung");
          experiment.done();
          gate.open();
          const status = await experiment.flushOrRaise({ retries: 20 });
          expect(status.ok).toBe(true);
          await collector.close();
          // The held attempt created it; no second creation was sent.
          expect(emulator.counters.requests["createExperiment"]).toBe(1);
          expect(emulator.store.experiments().filter((e) => e.slug === slug)).toHaveLength(1);
          expect(emulator.store.experiment(slug)).toMatchObject({ metadata: { lr: 0.1 }, status: "done" });
          expect(experiment.id).toBe(emulator.store.experiment(slug)?.id);
          const steps = emulator.store.metrics(slug).map((m) => m.step);
          expect(steps.toSorted((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 50 }, (_, i) => i));
          expect(emulator.store.annotations(slug).map((a) => a.text)).toEqual(["logged while Syvain hung"]);
          expect(writerDirs(spoolDir)).toEqual([]);
        } finally {
          process.off("warning", onWarning);
          await collector.close();
          await gate.close();
        }
      });
    }, 30_000);
  }

  it("close() does not wait for the held creation past its deadline: the attempt is aborted, the events stay in the spool", async () => {
    await withEmulator(async (emulator) => {
      const gate = await startGate(emulator.port);
      const spoolDir = path.join(root, "close");
      // 60 s per attempt, 4 attempts: a close() that waited for the creation would outlast the test.
      const collector = new Collector(emulator.apiKey, { host: gate.url, spoolDir, flushDelaySeconds: 0.01, timeout: 60, exitFlushTimeoutSeconds: 1 });
      const onWarning = (): void => undefined;
      process.on("warning", onWarning);
      try {
        const experiment = await collector.experiment("never-answered");
        for (let step = 0; step < 10; step++) experiment.metric("loss", step, { step });
        const [closed] = await collector.close();
        // Not delivered (given up at the deadline), and kept in the spool for the next run or `sync`.
        expect(closed?.status.ok).toBe(false);
        expect((closed?.status.failedMetrics ?? 0) + (closed?.status.pendingMetrics ?? 0)).toBe(10);
        // The client gave up the held creation request: its socket was closed, not left to time out.
        await vi.waitFor(() => expect(gate.abandoned).toBeGreaterThanOrEqual(1));
        expect(writerDirs(spoolDir)).toHaveLength(1);
        expect(emulator.counters.requests["createExperiment"] ?? 0).toBe(0);
      } finally {
        process.off("warning", onWarning);
        await collector.close();
        await gate.close();
      }
    });
  }, 30_000);
});
