/**
 * Offline, a full spool refuses records, and offline a refused record is kept nowhere else: every
 * flushOrRaise() of the experiment from then on raises (sticky, as dropped counts are), also when
 * its OTel view, which flushes through the same sink (run()'s end does), flushed first. The report
 * was once per sink, so the view's flush used it up and flushOrRaise() said ok (found by an
 * outside review).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { Collector } from "../../src/facade/index.ts";

let root: string;
beforeAll(() => void (root = mkdtempSync(path.join(tmpdir(), "offline-full-spool-"))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function fill(withView: boolean): Promise<{ raised: unknown; again: unknown; refused: number }> {
  const onWarning = (): void => undefined;
  process.on("warning", onWarning);
  const collector = new Collector({ mode: "offline", host: "http://127.0.0.1:9", spoolDir: path.join(root, String(withView)), spoolMaxBytes: 1024 * 1024 });
  try {
    const e = await collector.experiment("full-offline");
    const provider = withView ? e.createMeterProvider() : undefined;
    provider?.getMeter("m").createGauge("otel_loss").record(1, { step: 1 });
    for (let step = 0; step < 40_000; step++) {
      e.metric("loss", step, { step });
      if (step % 5000 === 0) await new Promise((r) => setTimeout(r, 20)); // let the flusher write
    }
    // The background appends what metric() queued until the spool is full; on a loaded machine
    // that takes longer than any fixed pause, so wait for it (the test's subject comes after).
    await vi.waitFor(() => expect(collector.stats().spool!.notSpooled).toBeGreaterThan(0), { timeout: 30_000, interval: 50 });
    await provider?.forceFlush();
    const raised = await e.flushOrRaise({ retries: 0 }).then(() => undefined, (error: unknown) => error);
    const again = await e.flushOrRaise({ retries: 0 }).then(() => undefined, (error: unknown) => error);
    const s = collector.stats().spool!;
    return { raised, again, refused: s.notSpooled };
  } finally {
    await collector.close();
    process.off("warning", onWarning);
  }
}

it("without a view: flushOrRaise() raises when the full spool refused events, and again at the next flush", async () => {
  const { raised, again, refused } = await fill(false);
  expect(refused).toBeGreaterThan(0);
  expect(raised).toBeInstanceOf(Error);
  expect(String((raised as Error).message)).toMatch(/could not be written to the spool since this experiment started .*kept nowhere else/);
  expect(again).toBeInstanceOf(Error); // the loss stays reported
});

it("with a view whose provider was flushed first: flushOrRaise() still raises", async () => {
  const { raised, refused } = await fill(true);
  expect(refused).toBeGreaterThan(0);
  expect(raised, "flushOrRaise() resolved ok though the spool refused the experiment's events").toBeInstanceOf(Error);
});
