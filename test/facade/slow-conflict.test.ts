/**
 * A `create` (ifExists "error", the default) whose 409 comes late: Syvain hangs (a TCP gate held
 * closed), so `experiment()` defers after 2 s and returns; then Syvain answers that the slug was
 * taken by an earlier run. That is loud and loses nothing: `flush()` reports the events as failed
 * with the `conflict`, `flushOrRaise()` raises it, `close()` is not ok, one warning says what
 * happened, where the events are kept and the command that delivers them; NOTHING is added to the
 * earlier run's experiment: not by this process, nor by a later replay of the spool (found by an
 * outside review of an earlier early deferral, whose late creation was get-or-create), which keeps
 * the run aside; and `sync --rename taken=taken-2` then stores every event of the run once, in a
 * new experiment, with the run's status.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { DeliveryIncompleteError } from "../../src/delivery/delivery-errors.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";
import { writerDirs } from "../delivery/spool/spool-helpers.ts";
import { hostSpoolDir } from "../../src/config/spool-defaults.ts";
import { startGate } from "./gated-syvain.ts";

let root: string;
beforeAll(() => void (root = mkdtempSync(path.join(tmpdir(), "slow-conflict-"))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("a slug taken by an earlier run, answered 409 after the deferral: flush, flushOrRaise and close report the conflict, one warning, nothing added to the earlier run", async () => {
  await withEmulator(async (emulator) => {
    const first = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: false });
    const earlier = await first.experiment("taken");
    earlier.metric("loss", 1, { step: 0 });
    await first.close();
    const gate = await startGate(emulator.port);
    const spoolDir = path.join(root, "spool");
    const collector = new Collector(emulator.apiKey, { host: gate.url, spoolDir, flushDelaySeconds: 0.01, timeout: 60 });
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void (w.name === "SyvainSpoolWarning" && warnings.push(w.message));
    process.on("warning", onWarning);
    try {
      const experiment = await collector.experiment("taken");
      expect(experiment.id).toBe("pending:taken");
      experiment.start();
      for (let step = 0; step < 5; step++) experiment.metric("loss", 100 + step, { step: 100 + step });
      experiment.annotation("second run");
      experiment.done();
      // Syvain answers the held creation now: 409, the slug exists.
      gate.open();
      const status = await vi.waitUntil(async () => {
        const s = await experiment.flush();
        return s.failedMetrics === 5 ? s : undefined;
      });
      expect(status).toMatchObject({ ok: false, failedMetrics: 5, failedAnnotations: 1, pendingMetrics: 0 });
      expect(status.lastError).toMatchObject({ code: "conflict" });
      expect(status.lastError?.message).toContain('"taken" already exists');
      const raised = await experiment.flushOrRaise().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(raised).toBeInstanceOf(DeliveryIncompleteError);
      expect((raised as DeliveryIncompleteError).cause).toMatchObject({ code: "conflict" });
      expect((raised as Error).message).toContain('"taken" already exists');
      const [closed] = await collector.close();
      expect(closed?.status.ok).toBe(false);
      expect(closed?.status.lastError).toMatchObject({ code: "conflict" });
      // One warning about the slug (the other one is the deferral's), counting the 6 events queued.
      await vi.waitFor(() => expect(warnings).toHaveLength(2));
      const taken = warnings.filter((w) => w.includes("already exists"));
      expect(taken).toHaveLength(1);
      expect(taken[0]).toContain("6 event(s)");
      expect(taken[0]).toContain(`kept in the spool ${hostSpoolDir(spoolDir, gate.url)}`);
      expect(taken[0]).toContain("syvain-otel sync --rename taken=<new-slug>");
    } finally {
      process.off("warning", onWarning);
      await collector.close();
    }
    // The earlier run's experiment is as it was: its one point, no annotation, its status.
    const untouched = (): void => {
      expect(emulator.store.metrics("taken").map((m) => m.step)).toEqual([0]);
      expect(emulator.store.annotations("taken")).toEqual([]);
      expect(emulator.store.experiment("taken")?.status).toBe("created");
      expect(emulator.store.experiments().filter((e) => e.slug === "taken")).toHaveLength(1);
    };
    untouched();
    // The spool still holds the whole run: a sync keeps it aside and adds nothing...
    const client = createSyvainClient({ apiKey: emulator.apiKey, host: gate.url });
    const hostDir = hostSpoolDir(spoolDir, gate.url);
    try {
      const synced = await deliverLeftovers({ spoolDir, client });
      expect(synced).toMatchObject({ metrics: 0, annotations: 0, statusUpdates: 0, crashedRuns: 0, kept: 6, remaining: 0 });
      expect(synced.keptRuns).toEqual([expect.objectContaining({ slug: "taken", events: 6 })]);
      expect(synced.keptAside).toEqual([expect.objectContaining({ slug: "taken", metrics: 5, annotations: 1, status: "done" })]);
      untouched();
      // ...the host's spool itself drained (only the kept runs' folder holds records)...
      expect(writerDirs(hostDir).filter((w) => !w.startsWith("conflicts"))).toEqual([]);
      // ...and a rename delivers every event of the run once, in a new experiment, with its status.
      const renamed = await deliverLeftovers({ spoolDir, client, renames: new Map([["taken", "taken-2"]]) });
      expect(renamed).toMatchObject({ metrics: 5, annotations: 1, statusUpdates: 1, keptRuns: [], keptAside: [], unknownRenames: [] });
    } finally {
      await client.close();
      await gate.close();
    }
    untouched();
    expect(emulator.store.metrics("taken-2").map((m) => m.step)).toEqual([100, 101, 102, 103, 104]);
    expect(emulator.store.annotations("taken-2").map((a) => a.text)).toEqual(["second run"]);
    expect(emulator.store.experiment("taken-2")?.status).toBe("done");
    expect(writerDirs(spoolDir)).toEqual([]);
  });
}, 30_000);
