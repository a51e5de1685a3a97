/**
 * Benchmark harness: `npm run bench [-- <name filter>]` runs the modules of `registry.ts`, prints
 * one table (name, metric, value, unit, target) and writes `bench/results.json`.
 * Run as `node --conditions=syvain-source --expose-gc bench/run.ts` (memory benches need the gc).
 */
import { writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { meets, type BenchResult } from "./bench-types.ts";
import { benchModules } from "./registry.ts";

const filter = process.argv.slice(2).join(" ").toLowerCase();
const results: (BenchResult & { module: string })[] = [];
for (const module of benchModules) {
  if (filter && !module.name.toLowerCase().includes(filter)) continue;
  process.stderr.write(`running ${module.name}...\n`);
  for (const result of await module.run()) results.push({ module: module.name, ...result });
}

const rows = results.map((r) => {
  const ok = meets(r);
  const target = r.target ? `${r.target.op} ${r.target.value.toLocaleString("en-US")}${ok ? "" : "  MISSED"}` : "";
  return [r.name, r.metric, r.value.toLocaleString("en-US"), r.unit, target];
});
const header = ["name", "metric", "value", "unit", "target"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
process.stdout.write(`${[line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")}\n`);

const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown" };
await writeFile(new URL("./results.json", import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2)}\n`);
