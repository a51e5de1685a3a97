/**
 * `collector.experiment()` online while Syvain is unreachable at the start of the run.
 *
 * - With the spool: it resolves, with one warning naming the host, the slug and the spool; events
 *   are spooled, and the experiment is created and everything delivered once Syvain is back: in
 *   this process (the emulator stopped, then started again on the same port and data file), or by
 *   the next process if this one is killed (a real child, creation refused by injected 503s).
 * - Without a spool: it rejects with a clear error naming the host and suggesting offline mode.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { Collector } from "../../src/facade/index.ts";
import { SyvainError } from "../../src/api/errors.ts";
import { writerDirs } from "../delivery/spool/spool-helpers.ts";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { crashJob, expectCrashRecovered } from "./crash-job.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-deferred-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An emulator that was started (so its port is known) and stopped: connections are refused. */
async function stoppedEmulator(dataFile: string): Promise<{ port: number; url: string; restart: () => Promise<Emulator> }> {
  const first = await startEmulator({ dataFile, ui: false });
  const { port, url } = first;
  await first.close();
  return { port, url, restart: () => startEmulator({ dataFile, port, ui: false }) };
}

function collectWarnings(type: string): { messages: string[]; stop: () => void } {
  const messages: string[] = [];
  const listener = (w: Error): void => void (w.name === type && messages.push(w.message));
  process.on("warning", listener);
  return { messages, stop: () => process.off("warning", listener) };
}

describe("collector.experiment() while Syvain is unreachable", () => {
  it("with the spool: resolves, spools, and this process creates the experiment and delivers once Syvain is back", async () => {
    const spoolDir = path.join(root, "in-process");
    const down = await stoppedEmulator(path.join(root, "in-process.json"));
    const warnings = collectWarnings("SyvainSpoolWarning");
    let emulator: Emulator | undefined;
    const collector = new Collector("ak_org_emulator", { host: down.url, spoolDir, flushDelaySeconds: 0.01, timeout: 1 });
    try {
      const experiment = await collector.experiment("deferred-here", { description: "made late", meta: { seed: 7 } });
      // process.emitWarning delivers on the next tick.
      await vi.waitFor(() => expect(warnings.messages).toHaveLength(1));
      expect(warnings.messages[0]).toContain(down.url);
      expect(warnings.messages[0]).toContain('"deferred-here"');
      expect(warnings.messages[0]).toContain(hostSpoolDir(spoolDir, down.url));
      experiment.start();
      for (let step = 0; step < 300; step++) experiment.metric("loss", step, { step });
      experiment.annotation("while Syvain was down");
      experiment.done();
      // Syvain comes back on the same port: the same process creates the experiment and delivers.
      emulator = await down.restart();
      const status = await experiment.flushOrRaise({ retries: 30 });
      expect(status.ok).toBe(true);
      expect(experiment.id).toBe(emulator.store.experiment("deferred-here")?.id);
      await collector.close();
      const stored = emulator.store.experiment("deferred-here");
      expect(stored).toMatchObject({ description: "made late", metadata: { seed: 7 }, status: "done" });
      const steps = emulator.store.metrics("deferred-here").map((m) => m.step);
      expect(steps).toHaveLength(300);
      expect(new Set(steps).size).toBe(300);
      expect(emulator.store.annotations("deferred-here").map((a) => a.text)).toEqual(["while Syvain was down"]);
      expect(warnings.messages).toHaveLength(1);
      // Everything acknowledged, the creation record included: nothing left on disk.
      expect(writerDirs(spoolDir)).toEqual([]);
    } finally {
      warnings.stop();
      await collector.close();
      await emulator?.close();
    }
  }, 60_000);

  it("with the spool: a process killed before Syvain came back leaves the creation to the next one", async () => {
    await withEmulator(async (emulator) => {
      const spoolDir = path.join(root, "killed");
      emulator.faults.random("createExperiment", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
      emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
      const mustHave = await crashJob(emulator, "deferred-killed", "online", spoolDir);
      expect(emulator.store.experiment("deferred-killed")).toBeUndefined();
      emulator.faults.clear();
      const next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
      await next.experiment("deferred-next");
      await next.close();
      expectCrashRecovered(emulator, "deferred-killed", mustHave);
    });
  }, 60_000);

  it("with the spool: a late creation Syvain refuses (a folder path that does not exist) keeps the events on disk, not dropped", async () => {
    const spoolDir = path.join(root, "refused-late");
    const down = await stoppedEmulator(path.join(root, "refused-late.json"));
    const collector = new Collector("ak_org_emulator", { host: down.url, spoolDir, flushDelaySeconds: 0.01, timeout: 1, exitFlushTimeoutSeconds: 2 });
    let emulator: Emulator | undefined;
    const onWarning = (): void => undefined;
    process.on("warning", onWarning);
    try {
      const experiment = await collector.experiment("refused-late", { folderPath: "/no/such/folder" });
      for (let step = 0; step < 20; step++) experiment.metric("loss", step, { step });
      emulator = await down.restart();
      // Syvain is back but refuses the creation for good: the events cannot be delivered...
      const status = await experiment.flush();
      expect(status.ok).toBe(false);
      expect(status.lastError?.message).toContain("/no/such/folder");
      await collector.close();
      expect(emulator.store.experiment("refused-late")).toBeUndefined();
      // ...and they stay in the spool (as a replay would leave them), for `sync` once the folder exists.
      expect(writerDirs(spoolDir)).toHaveLength(1);
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      try {
        const left = await deliverLeftovers({ spoolDir, client, dryRun: true });
        expect(left.planned).toEqual([expect.objectContaining({ slug: "refused-late", id: null, metrics: 20 })]);
      } finally {
        await client.close();
      }
    } finally {
      process.off("warning", onWarning);
      await collector.close();
      await emulator?.close();
    }
  }, 60_000);

  it("without a spool: rejects naming the host and suggesting offline mode", async () => {
    const down = await stoppedEmulator(path.join(root, "no-spool.json"));
    const collector = new Collector("ak_org_emulator", { host: down.url, spoolDir: false, timeout: 1 });
    try {
      const error = await collector.experiment("no-spool").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SyvainError);
      expect((error as SyvainError).message).toContain(down.url);
      expect((error as SyvainError).message).toMatch(/mode: "offline"/);
      expect((error as SyvainError).retryable).toBe(true);
    } finally {
      await collector.close();
    }
  }, 30_000);
});
