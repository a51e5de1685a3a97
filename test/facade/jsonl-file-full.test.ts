/**
 * A `JsonlCollector` whose file cannot grow any more mid-run (here `ulimit -f 256`: EFBIG; a full
 * disk gives ENOSPC the same way): its flush says so (`ok: false`, an `io` error naming the file and
 * the reason), and `close()` resolves with each experiment's status rather than rejecting and hiding
 * them (found by an outside review: the code was `config`, for a bad option, and close() threw).
 * The counts answer "did I lose anything?": an event counts as accepted only once its line is in the
 * file (written and fsync'd); the others are pending (the outbox holds and retries them), in
 * `stats()`, the flush status, `close()` and the error's message (a second outside review found all
 * 5,000 counted as delivered). In a child process, under its own limit.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";

const root = mkdtempSync(path.join(tmpdir(), "jsonl-file-full-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const EVENTS = 5000;

interface Counts {
  ok?: boolean;
  pendingMetrics?: number;
  failedMetrics?: number;
  lastError?: { code: string; message: string };
  threw?: string;
}

it("a JsonlCollector whose file fills: what is not in the file counts as pending everywhere, close() returns the statuses", () => {
  const file = path.join(root, "run.jsonl");
  const script = `
    import { JsonlCollector } from "syvain-metrics-otel";
    process.on("warning", () => {});
    const c = new JsonlCollector({ path: ${JSON.stringify(file)} });
    const e = await c.experiment("jsonl-full");
    for (let step = 0; step < ${EVENTS}; step++) e.metric("loss", 1, { step, metadata: { pad: "x".repeat(100) } });
    const status = await e.flush();
    let raised;
    try { await e.flushOrRaise({ retries: 0 }); } catch (error) { raised = error.message; }
    let closed;
    try { closed = (await c.close())[0].status; } catch (error) { closed = { threw: String(error) }; }
    const plain = (s) => s.threw ? s : { ok: s.ok, pendingMetrics: s.pendingMetrics, failedMetrics: s.failedMetrics, lastError: s.lastError && { code: s.lastError.code, message: s.lastError.message } };
    console.log(JSON.stringify({ status: plain(status), raised, closed: plain(closed), stats: e.stats().metrics }));
  `;
  const child = spawnSync("bash", ["-c", `ulimit -f 256; exec "${process.execPath}" --conditions=syvain-source --input-type=module -e "$0"`, script], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    encoding: "utf8",
  });
  expect(child.status, child.stderr).toBe(0);
  const { status, raised, closed, stats } = JSON.parse(child.stdout.trim().split("\n").pop()!) as {
    status: Counts;
    raised: string;
    closed: Counts;
    stats: { enqueued: number; accepted: number; pending: number; failed: number; dropped: number };
  };
  // Every line in the file is whole (a write the file could not finish leaves no torn line).
  const lines = readFileSync(file, "utf8").split("\n").filter((line) => line !== "");
  const records = lines.map((line) => JSON.parse(line) as { type: string });
  const stored = records.filter((record) => record.type === "metric").length;
  expect(stored).toBeGreaterThan(0);
  expect(stored).toBeLessThan(EVENTS);
  const missing = EVENTS - stored;

  expect(stats).toMatchObject({ enqueued: EVENTS, accepted: stored, dropped: 0 });
  expect(stats.pending + stats.failed).toBe(missing);
  expect(status).toMatchObject({ ok: false, lastError: { code: "io" } });
  expect(status.lastError?.message).toMatch(/cannot write .*run\.jsonl.*EFBIG/);
  expect(status.pendingMetrics! + status.failedMetrics!).toBe(missing);
  expect(raised).toContain(`${missing} pending metrics`);
  expect(raised).toMatch(/last error: JSONL output: cannot write/);
  expect(closed.threw).toBeUndefined();
  expect(closed).toMatchObject({ ok: false, lastError: { code: "io" } });
  expect(closed.pendingMetrics! + closed.failedMetrics!).toBe(missing);
}, 30_000);
