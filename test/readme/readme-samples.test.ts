/**
 * Every TypeScript sample in the README and in docs/ must run. The samples are not run from the
 * Markdown itself: each one must be, verbatim, either a whole file under `examples/` (each example
 * has a test that runs it; its `// snippet` marker lines are left out) or a `// snippet` …
 * `// end snippet` region of a test or of an example. This test fails when a sample drifts from
 * the code that is actually executed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

/**
 * Docs whose ```ts blocks are not programs: docs/spool.md outlines the spool engine's internal API
 * (`src/delivery/spool`, not a public entry point), one call per line, as a reference card.
 */
const OUTLINE_DOCS = new Set(["docs/spool.md"]);

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

const START = /^[ \t]*\/\/ snippet(?::[^\n]*)?$/;
const END = /^[ \t]*\/\/ end snippet$/;

function snippetRegions(text: string): string[] {
  return [...text.matchAll(/^[ \t]*\/\/ snippet(?::[^\n]*)?\n([\s\S]*?)\n[ \t]*\/\/ end snippet$/gm)].map((m) => dedent(m[1] ?? ""));
}

function withoutMarkers(text: string): string {
  return text
    .split("\n")
    .filter((line) => !START.test(line) && !END.test(line))
    .join("\n");
}

const executed = new Map<string, string>();
for (const file of filesUnder("examples", ".ts")) {
  const text = readFileSync(file, "utf8");
  executed.set(dedent(withoutMarkers(text)), relative(root, file));
  for (const region of snippetRegions(text)) executed.set(region, relative(root, file));
}
for (const file of filesUnder("test", ".ts")) {
  for (const region of snippetRegions(readFileSync(file, "utf8"))) executed.set(region, relative(root, file));
}

const documents = ["README.md", ...filesUnder("docs", ".md").map((file) => relative(root, file))].filter((doc) => !OUTLINE_DOCS.has(doc));
const samples = documents.flatMap((doc) =>
  [...readFileSync(join(root, doc), "utf8").matchAll(/^```ts\n([\s\S]*?)\n```$/gm)].map((m, index) => {
    const sample = dedent(m[1] ?? "");
    return [`${doc} #${index + 1}`, sample.split("\n")[0] ?? "", sample] as const;
  }),
);

describe("TypeScript samples of README.md and docs/", () => {
  it("has samples to check, in the README and in docs/", () => {
    expect(samples.filter(([where]) => where.startsWith("README.md")).length).toBeGreaterThanOrEqual(3);
    expect(samples.filter(([where]) => where.startsWith("docs/")).length).toBeGreaterThan(10);
  });

  it("finds a region between markers, and a whole example without its markers", () => {
    const example = "a();\n// snippet: shown\nb();\n// end snippet\nc();";
    expect(snippetRegions(example)).toEqual(["b();"]);
    expect(withoutMarkers(example)).toBe("a();\nb();\nc();");
  });

  it.each(samples)("%s (%s) is code that a test executes", (where, _firstLine, sample) => {
    expect(executed.has(sample), `${where}: sample not found verbatim in examples/ or a // snippet region:\n${sample}`).toBe(true);
  });
});
