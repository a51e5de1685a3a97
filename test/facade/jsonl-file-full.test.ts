/**
 * A `JsonlCollector` whose file cannot grow any more mid-run (here `ulimit -f 64`: EFBIG; a full
 * disk gives ENOSPC the same way): its flush says so (`ok: false`, an `io` error naming the file and
 * the reason, a message that does not read "nothing counted"), and `close()` resolves with each
 * experiment's status rather than rejecting and hiding them (found by an outside review: the code
 * was `config`, for a bad option, and close() threw). In a child process, under its own limit.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";

const root = mkdtempSync(path.join(tmpdir(), "jsonl-file-full-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("a JsonlCollector whose file fills: the flush reports an io error, close() returns the statuses", () => {
  const file = path.join(root, "run.jsonl");
  const script = `
    import { JsonlCollector } from "syvain-metrics-otel";
    process.on("warning", () => {});
    const c = new JsonlCollector({ path: ${JSON.stringify(file)} });
    const e = await c.experiment("jsonl-full");
    for (let step = 0; step < 5000; step++) e.metric("loss", 1, { step, metadata: { pad: "x".repeat(100) } });
    const status = await e.flush();
    let raised;
    try { await e.flushOrRaise({ retries: 0 }); } catch (error) { raised = error.message; }
    let closed;
    try { closed = (await c.close())[0].status; } catch (error) { closed = { threw: String(error) }; }
    const plain = (s) => s.threw ? s : { ok: s.ok, lastError: s.lastError && { code: s.lastError.code, message: s.lastError.message } };
    console.log(JSON.stringify({ status: plain(status), raised, closed: plain(closed) }));
  `;
  const child = spawnSync("bash", ["-c", `ulimit -f 64; exec "${process.execPath}" --conditions=syvain-source --input-type=module -e "$0"`, script], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    encoding: "utf8",
  });
  expect(child.status, child.stderr).toBe(0);
  const { status, raised, closed } = JSON.parse(child.stdout.trim().split("\n").pop()!) as {
    status: { ok: boolean; lastError?: { code: string; message: string } };
    raised: string;
    closed: { ok?: boolean; lastError?: { code: string }; threw?: string };
  };
  expect(status.ok).toBe(false);
  expect(status.lastError?.code).toBe("io");
  expect(status.lastError?.message).toMatch(/cannot write .*run\.jsonl.*EFBIG/);
  expect(raised).toMatch(/not safely stored; last error: JSONL output: cannot write/);
  expect(closed.threw).toBeUndefined();
  expect(closed).toMatchObject({ ok: false, lastError: { code: "io" } });
}, 30_000);
