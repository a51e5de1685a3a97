/**
 * The Collector's spool at the facade level: a clean run leaves nothing on disk; a directory it
 * cannot write costs one warning and a counter, never a throw from `metric()`, and no data (the
 * events are delivered from memory); bad options name the field.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { Collector } from "../../src/facade/index.ts";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { writerDirs } from "../delivery/spool/spool-helpers.ts";

let emulator: Emulator;
let root: string;

beforeAll(async () => {
  emulator = await startEmulator();
  root = mkdtempSync(path.join(tmpdir(), "syvain-spool-collector-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(root, { recursive: true, force: true });
});

describe("Collector spool", () => {
  it("a clean run delivers everything and leaves no writer directory behind", async () => {
    const spoolDir = path.join(root, "clean");
    const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir, flushDelaySeconds: 0.01 });
    const experiment = await collector.experiment("spool-clean");
    await experiment.run(() => {
      for (let step = 0; step < 1200; step++) experiment.metric("loss", step, { step });
      experiment.annotation("note");
    });
    expect(collector.stats().spool).toMatchObject({ state: "active", fallbacks: 0, notSpooled: 0 });
    await collector.close();
    expect(emulator.store.metrics("spool-clean")).toHaveLength(1200);
    expect(emulator.store.experiment("spool-clean")?.status).toBe("done");
    expect(writerDirs(spoolDir)).toEqual([]);
    expect(collector.stats().spool?.state).toBe("closed");
  });

  it("a best-effort flush that cannot deliver says the events wait in the spool, and the next run delivers them", async () => {
    const spoolDir = path.join(root, "kept");
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void (w.name === "SyvainDeliveryWarning" && warnings.push(w.message));
    process.on("warning", onWarning);
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    try {
      const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir, flushDelaySeconds: 0.01, exitFlushTimeoutSeconds: 0.3 });
      const experiment = await collector.experiment("spool-kept");
      await experiment.run(() => {
        for (let step = 0; step < 50; step++) experiment.metric("loss", step, { step });
      });
      await vi.waitFor(() => expect(warnings.some((w) => w.includes("spool-kept"))).toBe(true));
      const warning = warnings.find((w) => w.includes("spool-kept"))!;
      expect(warning).toMatch(/incomplete: .*pending metrics.*best-effort flush after run\(\)/);
      expect(warning).toContain(`kept on disk in ${spoolDir}${path.sep}`);
      await collector.close();
    } finally {
      emulator.faults.clear();
      process.off("warning", onWarning);
    }
    // What the warning promised: the next Collector on the directory delivers the 50 points.
    const next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir });
    await next.experiment("spool-kept-next");
    await next.close();
    expect(new Set(emulator.store.metrics("spool-kept").map((m) => m.step)).size).toBe(50);
  });

  it("an unwritable directory: one warning, a counter, metric() never throws, nothing lost", async () => {
    const blocker = path.join(root, "not-a-dir");
    writeFileSync(blocker, "a file where the spool directory should be");
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void (w.name === "SyvainSpoolWarning" && warnings.push(w.message));
    process.on("warning", onWarning);
    try {
      const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: path.join(blocker, "spool"), flushDelaySeconds: 0.01 });
      const a = await collector.experiment("spool-unwritable-a");
      const b = await collector.experiment("spool-unwritable-b");
      for (let step = 0; step < 300; step++) {
        expect(() => a.metric("loss", step, { step })).not.toThrow();
        expect(() => b.metric("loss", step, { step })).not.toThrow();
      }
      await collector.close();
      await vi.waitFor(() => expect(warnings.length).toBeGreaterThan(0));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/not-a-dir.*ENOTDIR.*kept in memory only/s);
      expect(collector.stats().spool).toMatchObject({ fallbacks: 1 });
      expect(collector.stats().spool?.notSpooled).toBe(600);
      expect(emulator.store.metrics("spool-unwritable-a")).toHaveLength(300);
      expect(emulator.store.metrics("spool-unwritable-b")).toHaveLength(300);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it.skipIf(process.getuid?.() === 0)("a read-only directory: the same fallback (EACCES)", async () => {
    const dir = path.join(root, "read-only");
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    try {
      const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: dir, flushDelaySeconds: 0.01 });
      const e = await collector.experiment("spool-read-only");
      expect(() => e.metric("loss", 1, { step: 1 })).not.toThrow();
      await collector.close();
      expect(collector.stats().spool).toMatchObject({ fallbacks: 1, notSpooled: 1 });
      expect(emulator.store.metrics("spool-read-only")).toHaveLength(1);
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it("bad options and environment name the field and value", () => {
    expect(() => new Collector(emulator.apiKey, { spoolDir: "" })).toThrow(/spoolDir/);
    expect(() => new Collector(emulator.apiKey, { spoolMaxBytes: 10 })).toThrow(/spoolMaxBytes/);
    expect(() => new Collector(emulator.apiKey, { mode: "later" as never })).toThrow(/mode/);
    expect(() => new Collector({ mode: "offline", spoolDir: false })).toThrow(SyvainValidationError);
    vi.stubEnv("SYVAIN_MODE", "sometimes");
    try {
      expect(() => new Collector(emulator.apiKey)).toThrow(/SYVAIN_MODE must be "online" or "offline" \(got "sometimes"\)/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("offline needs no API key and sends nothing", async () => {
    const spoolDir = path.join(root, "offline");
    vi.stubEnv("SYVAIN_METRICS_API_KEY", "");
    try {
      const collector = new Collector({ mode: "offline", host: emulator.url, spoolDir });
      const e = await collector.experiment("spool-offline-quiet");
      await e.run(() => e.metric("loss", 1, { step: 1 }));
      await collector.close();
      expect(emulator.store.experiment("spool-offline-quiet")).toBeUndefined();
      expect(writerDirs(spoolDir)).toHaveLength(1); // kept for `sync`
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("a host's part given as spoolDir (the folder an exit warning names) is used as it is: its leftovers are delivered", async () => {
    const spoolDir = path.join(root, "given-part");
    const offline = new Collector({ mode: "offline", host: emulator.url, spoolDir });
    const e = await offline.experiment("spool-given-part");
    await e.run(() => {
      for (let step = 0; step < 40; step++) e.metric("loss", step, { step });
    });
    await offline.close();
    const part = offline.stats().spool!.dir;
    expect(path.dirname(part)).toBe(path.resolve(spoolDir));

    const next = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: part });
    // It was nested in the part (<part>/<host>), found no leftovers and delivered nothing, silently.
    expect(next.stats().spool?.dir).toBe(part);
    const other = await next.experiment("spool-given-part-next");
    await other.run(() => other.metric("loss", 1, { step: 0 }));
    await vi.waitFor(() => expect(emulator.store.metrics("spool-given-part")).toHaveLength(40), { timeout: 10_000 });
    await next.close();
    expect(emulator.store.experiment("spool-given-part")?.status).toBe("done");
  });
});
