/**
 * Offline, `flushOrRaise()` waits for the spool's fdatasync, whose timers are unref'd. In a plain
 * script that never calls `start()` / `run()` (no process hooks), nothing else kept the event loop
 * alive: Node exited with code 13 ("unsettled top-level await") in the middle of the flush, and
 * nothing after it ran (found from outside, from a packed tarball). The offline sink now holds the
 * loop open until the records are durable.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = mkdtempSync(path.join(tmpdir(), "offline-flush-no-hooks-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("offline flushOrRaise without start()", () => {
  it("resolves (the script goes on) instead of Node exiting 13 mid-flush", () => {
    const spoolDir = path.join(root, "spool");
    const script = `
      import { Collector } from "syvain-metrics-otel";
      const c = new Collector({ mode: "offline", host: "http://127.0.0.1:9", spoolDir: ${JSON.stringify(spoolDir)} });
      const e = await c.experiment("offline-no-hooks");
      for (let step = 0; step < 100; step++) e.metric("loss", step, { step });
      await e.flushOrRaise();
      console.log("flushed");
      await c.close();
      console.log("closed");
    `;
    const child = spawnSync(process.execPath, ["--conditions=syvain-source", "--input-type=module", "-e", script], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.stderr).not.toMatch(/unsettled top-level await/);
    expect(child.status).toBe(0);
    expect(child.stdout).toContain("flushed");
    expect(child.stdout).toContain("closed");
  }, 30_000);
});
