/**
 * The facade end to end (outside review 11): Syvain answers 503 to every point (nothing is acknowledged, so
 * everything must reach the disk), the job's loop is busy 150 ms per step, and the process dies of
 * SIGKILL. docs/spool.md promises every record appended at least ~100 ms (flushIntervalMs, plus
 * event-loop delay) before the kill. When the write window's four chained ticks counted the loop's
 * delay four times, a point logged ~450 ms before the kill (150 ms steps), or more than 1 s before
 * it (350 ms steps: the facade's "as measured" promise, docs/spool.md) was on disk nowhere and never
 * delivered.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { adoptAll, markDead, writerDirs } from "../delivery/spool/spool-helpers.ts";
import { spawnFixture } from "./child-runner.ts";

const FIXTURE = path.join(import.meta.dirname, "fixtures", "busy-collector.ts");
let emulator: Emulator;
let root: string;

beforeAll(async () => {
  emulator = await startEmulator();
  root = mkdtempSync(path.join(tmpdir(), "syvain-busy-loop-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(root, { recursive: true, force: true });
});

describe("a busy training loop killed with SIGKILL while Syvain refuses points", () => {
  // [loop busy per step, a point this old at the kill must be on disk]: the engine's bound
  // (flushIntervalMs + one loop delay, plus 100 ms of slack), and the facade's "as measured" 1 s.
  it.each([
    [150, 100 + 150 + 100],
    [350, 1000],
  ])("loop busy %i ms per step: every point logged at least %i ms before the kill is in the spool", async (blockMs, promisedAge) => {
    const slug = `busy-${blockMs}`;
    const spoolDir = path.join(root, slug);
    const child = spawnFixture(FIXTURE, [slug, String(blockMs), "12"], { host: emulator.url, apiKey: emulator.apiKey }, { env: { SYVAIN_SPOOL_DIR: spoolDir } });
    await child.printed("open");
    emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    child.write("go\n");
    const result = await child.result;
    expect(result.signal).toBe("SIGKILL");
    const lines = result.stdout.trim().split("\n");
    const killAt = Number(lines.at(-1)!.split(" ")[1]);
    const loggedAt = new Map(lines.filter((l) => l.startsWith("step ")).map((l) => [Number(l.split(" ")[1]), Number(l.split(" ")[2])]));
    expect(loggedAt.size).toBe(12);
    expect(emulator.store.metrics(slug)).toHaveLength(0);

    const writers = writerDirs(spoolDir);
    expect(writers).toHaveLength(1);
    markDead(path.join(spoolDir, writers[0]!));
    // The facade's spool lives in a per-host directory under SYVAIN_SPOOL_DIR.
    const { spool, records } = await adoptAll(path.dirname(path.join(spoolDir, writers[0]!)));
    await spool.close();
    const onDisk = new Set(records.filter((r) => r.type === 2).map((r) => (JSON.parse(r.payload.toString("utf8")) as { e: { step: number } }).e.step));
    const promised = [...loggedAt].filter(([, at]) => killAt - at >= promisedAge).map(([step]) => step);
    const missing = promised.filter((step) => !onDisk.has(step));
    expect({ missing, ages: missing.map((step) => killAt - loggedAt.get(step)!) }).toEqual({ missing: [], ages: [] });
  }, 30_000);
});
