/**
 * The soak as CI runs it, only shorter: a child process that must exit 0 and print the per-source
 * table when every event is stored exactly once, and exit 1 when the accounting is wrong (the
 * hidden `--self-test-lose-one` deletes one stored event from the read-back before the check).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

interface SoakRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function soak(args: string[]): Promise<SoakRun> {
  const child = spawn(process.execPath, ["--conditions=syvain-source", "soak/run.ts", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

interface Row {
  source: string;
  sent: number;
  storedOnce: number;
  synced: number;
  leftInSpool: number;
  missing: number;
  storedTwice: number;
  unexpected: number;
  verdict: string;
}

/** The table's data rows (after the header and the dashes), by column position. */
function rows(stdout: string): Row[] {
  const lines = stdout.split("\n");
  const start = lines.findIndex((line) => line.startsWith("--"));
  const result: Row[] = [];
  for (const line of lines.slice(start + 1)) {
    const cells = line.trim().split(/\s+/);
    if (cells.length !== 14 || line.startsWith(" ")) break;
    const n = (i: number): number => Number(cells[i]);
    result.push({ source: cells[0]!, sent: n(1), storedOnce: n(2), synced: n(8), leftInSpool: n(9), missing: n(10), storedTwice: n(11), unexpected: n(12), verdict: cells[13]! });
  }
  return result;
}

describe("soak/run.ts", () => {
  it("a short soak with faults and a restart stores every event of every source exactly once and exits 0", { timeout: 180_000 }, async () => {
    const run = await soak(["--seconds", "5", "--facade-jobs", "2"]);
    expect(run.stderr).toContain("restarting the emulator");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^source\s+sent\s+stored once\s+accepted\s+dup\. suppressed\s+dropped\s+failed\s+pending\s+synced\s+left in spool\s+missing\s+stored twice\s+unexpected\s+verdict/m);
    const table = rows(run.stdout);
    expect(table.map((r) => r.source)).toEqual(["facade-1", "facade-2", "otel-sdk", "bridge"]);
    for (const row of table) {
      expect(row.sent).toBeGreaterThan(0);
      expect(row).toMatchObject({ storedOnce: row.sent, leftInSpool: 0, missing: 0, storedTwice: 0, unexpected: 0, verdict: "ok" });
    }
    expect(run.stdout).toMatch(/server: \d+ API requests .* 1 restart\(s\)/);
  });

  it("exits 1 and names the source when one stored event is missing", { timeout: 180_000 }, async () => {
    const run = await soak(["--seconds", "3", "--facade-jobs", "1", "--self-test-lose-one"]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const facade = rows(run.stdout).find((r) => r.source === "facade-1");
    expect(facade).toMatchObject({ missing: 1, storedOnce: facade!.sent - 1, verdict: "FAIL" });
    expect(run.stdout).toContain("soak: FAILED");
  });

  it("exits 2 on bad flags, naming the option", async () => {
    const run = await soak(["--minutes", "soon"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/`minutes`.*"soon"/);
  });
});
