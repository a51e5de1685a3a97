/**
 * Offline with `spoolMaxBytes` 1 MiB, events logged faster than the spool's flusher writes them:
 * what is on disk stays within the bound (plus at most one record), the rest is refused and
 * counted (`notSpooled`), and the flush says so as for any full spool. An outside review saw
 * `bytesOnDisk` reach 1.6 MB: the bound compared only written bytes, not those queued for the flusher.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { Collector } from "../../src/facade/index.ts";

const MAX_BYTES = 1024 * 1024;
/** Generous for one record of this test (envelope, event, record header): the documented slack. */
const ONE_RECORD = 512;

let root: string;
beforeAll(() => void (root = mkdtempSync(path.join(tmpdir(), "offline-spool-bound-"))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("offline, the spool holds at most spoolMaxBytes (+ one record), and counts and reports what it refused", async () => {
  const collector = new Collector({ mode: "offline", host: "http://127.0.0.1:9", spoolDir: path.join(root, "spool"), spoolMaxBytes: MAX_BYTES });
  try {
    const e = await collector.experiment("bound-offline");
    let status = await e.flush();
    for (let round = 0; round < 12; round++) {
      // 5,000 points (~0.9 MB) in one synchronous burst: all of them wait for the flusher at once.
      for (let step = round * 5000; step < (round + 1) * 5000; step++) e.metric("loss", step, { step, metadata: { split: "train" } });
      status = await e.flush();
      // Once the spool refused some, an offline flush reports it at once: wait for the flusher to
      // write what it took (every point is then on disk or refused; + 1: the creation record).
      const logged = (round + 1) * 5000 + 1;
      await vi.waitFor(() => expect(collector.stats().spool!.eventsOnDisk + collector.stats().spool!.notSpooled).toBe(logged), { timeout: 10_000 });
    }
    const spool = collector.stats().spool!;
    expect(spool.notSpooled).toBeGreaterThan(0);
    expect(spool.bytesOnDisk).toBeLessThanOrEqual(MAX_BYTES + ONE_RECORD);
    // The bound is used, not just respected: refusals start near it.
    expect(spool.bytesOnDisk).toBeGreaterThan(MAX_BYTES * 0.95);
    expect(status.ok).toBe(false);
    expect(status.lastError?.message).toContain(`offline: ${spool.notSpooled} record(s) could not be written to the spool since this experiment started (the spool is full (spoolMaxBytes))`);
  } finally {
    await collector.close();
  }
});
