/**
 * Offline, nothing is sent, so a flush means "in the spool": `flushOrRaise()` resolves once what it
 * covers is written and fdatasync'd (src/destinations/offline-sink.ts), and raises when the spool
 * cannot write it. It used to resolve ok while the events were in memory only: a kill -9 right after
 * the explicit flush lost the experiment and every event (found by an outside review).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { Collector } from "../../src/facade/index.ts";
import { DeliveryIncompleteError } from "../../src/delivery/delivery-errors.ts";

let emulator: Emulator;
let root: string;
beforeAll(async () => {
  emulator = await startEmulator();
  root = mkdtempSync(path.join(tmpdir(), "syvain-review4-offline-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(root, { recursive: true, force: true });
});

describe("offline flushOrRaise", () => {
  it("stats() shows the events on disk once flushOrRaise() resolved", async () => {
    const spoolDir = path.join(root, "stats");
    const collector = new Collector({ mode: "offline", host: emulator.url, spoolDir });
    const e = await collector.experiment("review4-offline-stats");
    for (let step = 0; step < 1000; step++) e.metric("loss", step, { step });
    await e.flushOrRaise();
    expect(collector.stats().spool?.eventsOnDisk).toBeGreaterThanOrEqual(1000);
    await collector.close();
  });

  it("a kill -9 right after an offline flushOrRaise() keeps every event for the next run", async () => {
    const spoolDir = path.join(root, "kill");
    const script = `
      import { Collector } from "syvain-metrics-otel";
      const c = new Collector({ mode: "offline", host: ${JSON.stringify(emulator.url)}, spoolDir: ${JSON.stringify(spoolDir)} });
      const e = await c.experiment("review4-offline-kill");
      e.start();
      for (let step = 0; step < 1000; step++) e.metric("loss", step, { step });
      await e.flushOrRaise();
      process.kill(process.pid, "SIGKILL");
    `;
    const child = spawnSync(process.execPath, ["--conditions=syvain-source", "--input-type=module", "-e", script], { cwd: path.resolve(import.meta.dirname, "../.."), encoding: "utf8" });
    expect(child.signal).toBe("SIGKILL");
    const next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
    await next.experiment("review4-offline-kill-next");
    await next.close();
    expect(emulator.store.metrics("review4-offline-kill")).toHaveLength(1000);
  }, 30_000);

  it("a spool that cannot write: flushOrRaise() raises, naming the spool's error, instead of saying ok", async () => {
    const blocker = path.join(root, "not-a-dir");
    writeFileSync(blocker, "a file where the spool directory should be");
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void (w.name === "SyvainSpoolWarning" && warnings.push(w.message));
    process.on("warning", onWarning);
    try {
      const collector = new Collector({ mode: "offline", host: emulator.url, spoolDir: path.join(blocker, "spool") });
      const e = await collector.experiment("offline-unwritable");
      e.metric("loss", 1, { step: 1 });
      const raised = await e.flushOrRaise({ retries: 0 }).then(() => undefined, (error: unknown) => error);
      expect(raised).toBeInstanceOf(DeliveryIncompleteError);
      expect(String((raised as DeliveryIncompleteError).status.lastError?.message)).toMatch(/ENOTDIR.*kept nowhere else/);
      await collector.close();
      // The one warning says what offline means here, not "kept in memory until the disk works again".
      await vi.waitFor(() => expect(warnings).toHaveLength(1));
      expect(warnings[0]).toMatch(/ENOTDIR.*offline.*lost/s);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
