/**
 * Vitest global setup: every test of a run puts its temporary files (spool directories, JSONL
 * files, fixtures) under one directory of its own, removed when the run ends. Tests that clean up
 * after themselves lose nothing; the rest (a crashed child's spool, a helper without a teardown)
 * no longer pile up in the system's temp directory: a full run left ~3,500 directories (~250 MB).
 * The forked test workers inherit TMPDIR, which `os.tmpdir()` reads at every call.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const before = process.env["TMPDIR"];
  const dir = mkdtempSync(join(tmpdir(), "syvain-test-run-"));
  process.env["TMPDIR"] = dir;
  return () => {
    if (before === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = before;
    rmSync(dir, { recursive: true, force: true });
  };
}
