/**
 * `collector.close()` drains within its deadline, as documented, and says what it leaves behind.
 * From an outside review (review 14, from a packed tarball): close() made one attempt and returned
 * within milliseconds when it failed (a Syvain restart, a 503), so with the spool off the queued
 * points were lost while close() still had most of its 10 s, and nothing was printed (exit 0).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";

let emulator: Emulator;
let warnings: string[];
beforeEach(async () => {
  emulator = await startEmulator();
  warnings = [];
  vi.spyOn(process, "emitWarning").mockImplementation((warning: string | Error) => void warnings.push(String(warning instanceof Error ? warning.message : warning)));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await emulator.close();
});

/** No background delivery before close(): what reaches Syvain, close() sent. */
const QUIET = { spoolDir: false, flushDelaySeconds: 3600 } as const;

describe("collector.close() during a failure", () => {
  it("retries until its deadline: a 503 spell shorter than the deadline loses nothing", async () => {
    const collector = new Collector(emulator.apiKey, { host: emulator.url, ...QUIET });
    const experiment = await collector.experiment("close-retries");
    for (let step = 0; step < 100; step++) experiment.metric("loss", 1 / (step + 1), { step });
    emulator.faults.script("ingestMetrics", [{ status: 503 }, { status: 503 }]);
    const [closed] = await collector.close({ timeoutSeconds: 30 });
    expect(closed?.status).toMatchObject({ ok: true, pendingMetrics: 0, failedMetrics: 0 });
    expect(emulator.store.metrics("close-retries")).toHaveLength(100);
    expect(emulator.counters.faultsInjected).toBeGreaterThanOrEqual(2); // both 503s were met, and retried past
    expect(warnings).toEqual([]);
  });

  it("that gives up at its deadline says what it did not deliver (spool off: lost)", async () => {
    const collector = new Collector(emulator.apiKey, { host: emulator.url, ...QUIET });
    const experiment = await collector.experiment("close-gives-up");
    for (let step = 0; step < 100; step++) experiment.metric("loss", 1 / (step + 1), { step });
    emulator.faults.script("ingestMetrics", Array.from({ length: 1000 }, () => ({ status: 503 })));
    const [closed] = await collector.close({ timeoutSeconds: 1 });
    expect(closed?.status.ok).toBe(false);
    expect(emulator.store.metrics("close-gives-up")).toHaveLength(0);
    const said = warnings.filter((message) => message.includes('"close-gives-up" not delivered at close()'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/100 metrics \(100 (pending|failed)\)/);
    expect(said[0]).not.toMatch(/kept on disk/);
    expect(said[0]).toMatch(/no spool keeps them \(spoolDir: false\): they are lost$/); // review 15: it ended "it may succeed on a retry"
  });
});
