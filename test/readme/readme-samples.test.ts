/**
 * Every TypeScript sample in the README must run. The samples are not run from the README itself:
 * each one must be, verbatim, either a whole file under `examples/` (each example has a test that
 * runs it) or a `// snippet` … `// end snippet` region of a test that runs it and checks its effect.
 * This test fails when a README sample drifts from the code that is actually executed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(suffix) && !name.includes("node_modules"))
    .map((name) => join(root, dir, name));
}

function dedent(text: string): string {
  const lines = text.replace(/\s+$/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent).trimEnd()).join("\n");
}

function snippetRegions(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^[ \t]*\/\/ snippet\n([\s\S]*?)\n[ \t]*\/\/ end snippet$/gm)].map((m) => dedent(m[1] ?? ""));
}

const readme = readFileSync(join(root, "README.md"), "utf8");
const samples = [...readme.matchAll(/^```ts\n([\s\S]*?)\n```$/gm)].map((m) => dedent(m[1] ?? ""));

const executed = new Map<string, string>();
for (const file of filesUnder("examples", ".ts")) executed.set(dedent(readFileSync(file, "utf8")), relative(root, file));
for (const file of filesUnder("test", ".ts")) {
  for (const region of snippetRegions(file)) executed.set(region, relative(root, file));
}

describe("README TypeScript samples", () => {
  it("has samples to check", () => {
    expect(samples.length).toBeGreaterThan(10);
  });

  it.each(samples.map((sample, index) => [index + 1, sample.split("\n")[0], sample] as const))(
    "sample %i (%s) is code that a test executes",
    (_index, _firstLine, sample) => {
      expect(executed.has(sample), `README sample not found verbatim in examples/ or a test's // snippet region:\n${sample}`).toBe(true);
    },
  );
});
