/**
 * Import time of each package entry, as a user gets it: a fresh child process that does
 * `await import("syvain-metrics-otel")` (or a subpath) against the built `dist/` (no `syvain-source`
 * condition), timed inside the child around the import alone, so Node's own start-up is left out.
 * Needs `npm run build` first.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { BenchModule, BenchResult } from "./bench-types.ts";
import { median } from "./bench-types.ts";

const RUNS = 7;
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

interface ImportCost {
  wallMs: number;
  /** User + system CPU of the import: steadier than wall time on a machine shared with other work. */
  cpuMs: number;
}

async function importCost(specifier: string): Promise<ImportCost> {
  const script = [
    "const t = performance.now(), c = process.cpuUsage();",
    `await import(${JSON.stringify(specifier)});`,
    "const d = process.cpuUsage(c);",
    "process.stdout.write(JSON.stringify({ wallMs: performance.now() - t, cpuMs: (d.user + d.system) / 1000 }));",
  ].join(" ");
  // cwd = the package: `import("syvain-metrics-otel")` resolves through its own "exports", to dist/.
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: repoRoot });
  return JSON.parse(stdout) as ImportCost;
}

async function medianImportCost(specifier: string): Promise<ImportCost> {
  const costs: ImportCost[] = [];
  for (let i = 0; i < RUNS; i++) costs.push(await importCost(specifier));
  return { wallMs: Math.round(median(costs.map((c) => c.wallMs))), cpuMs: Math.round(median(costs.map((c) => c.cpuMs))) };
}

export const importTimeBench: BenchModule = {
  name: "import time",
  async run(): Promise<BenchResult[]> {
    if (!existsSync(new URL("../dist/index.js", import.meta.url))) throw new Error("import time bench: no dist/ (run `npm run build` first)");
    const metric = `median of ${RUNS}, built dist/`;
    const root = await medianImportCost("syvain-metrics-otel");
    const rows: BenchResult[] = [
      { name: "root import time", metric, value: root.wallMs, unit: "ms", target: { op: "<=", value: 200 } },
      { name: "root import CPU time", metric, value: root.cpuMs, unit: "ms" },
    ];
    for (const subpath of ["otel", "bridge", "client", "testing"]) {
      const cost = await medianImportCost(`syvain-metrics-otel/${subpath}`);
      rows.push({ name: `./${subpath} import time (CPU time)`, metric, value: cost.wallMs, unit: `ms (${cost.cpuMs} ms CPU)` });
    }
    return rows;
  },
};
