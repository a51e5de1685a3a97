/**
 * Reads `src/` as text and returns its import graph (relative imports only: `import`, `export … from`
 * and `import()`), so tests can hold the layering rules against the code as it is.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const srcRoot = fileURLToPath(new URL("../../src/", import.meta.url));

export type ImportGraph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const specifier = /(?:^|\s)(?:import|export)\s[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/gm;

/** File → the files it imports, both as paths relative to `src/`. */
export function importGraph(): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(srcRoot)) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(specifier)].map((m) => relative(srcRoot, resolve(dirname(file), m[1] ?? m[2] ?? "")));
    graph.set(relative(srcRoot, file), targets);
  }
  return graph;
}

/** The top-level folder of `src/` a file belongs to (`(root)` for `src/index.ts` and the like). */
export function layerOf(path: string): string {
  const parts = path.split("/");
  return parts.length === 1 ? "(root)" : (parts[0] ?? "(root)");
}

/** Every cycle found by a depth-first walk, each as the list of files around it. */
export function findCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") cycles.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}
