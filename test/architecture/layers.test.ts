/**
 * The layering of `src/`, held against the code: each top-level folder is one layer, and imports
 * only point down (or stay inside the folder). No file-level import cycles, type-only ones included.
 * docs/architecture.md says what each layer is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findCycles, importGraph, layerOf, srcRoot, type ImportGraph } from "./import-graph.ts";

/** Lower number = lower layer. A folder may import its own files and any lower layer's. */
const LAYERS: Readonly<Record<string, number>> = {
  api: 0, // the wire contract, limits, typed errors
  config: 1, // option parsing shared by every public entry point
  mapping: 2, // pure OTel ⇄ Syvain mapping: depends on api only
  client: 2, // the Syvain REST client (undici) and its retry rules
  testing: 2, // the Syvain API emulator and its viewer: speak the contract, share no client code
  delivery: 3, // outbox, sinks, deadlines, spool
  destinations: 4, // how an experiment comes to exist (rest, jsonl, local) and where its events go
  exporter: 5, // the OTel exporters and reader
  facade: 6, // Collector, Experiment
  bridge: 6, // the OTLP/HTTP receiver
  cli: 7,
  "(root)": 8, // package entry points
};

function upwardImports(graph: ImportGraph): string[] {
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    for (const target of targets) {
      const to = layerOf(target);
      if (from !== to && (LAYERS[to] ?? Infinity) >= (LAYERS[from] ?? -Infinity)) upward.push(`${file} → ${target}`);
    }
  }
  return upward;
}

const NODE_IO = /^node:(fs|net|http|https|http2|child_process|dgram|tls|worker_threads|readline)(\/|$)/;

function nodeImports(file: string): string[] {
  const text = readFileSync(join(srcRoot, file), "utf8");
  return [...text.matchAll(/from\s*["'](node:[^"']+)["']/g)].map((m) => m[1] ?? "");
}

const graph = importGraph();

describe("src/ layering", () => {
  it("puts every source file in a known layer", () => {
    expect([...graph.keys()].filter((file) => LAYERS[layerOf(file)] === undefined)).toEqual([]);
  });

  it("imports only from the same folder or a lower layer", () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it("keeps src/mapping pure: only the api layer, no Node I/O module", () => {
    const mapping = [...graph].filter(([file]) => layerOf(file) === "mapping");
    expect(mapping.length).toBeGreaterThan(0);
    const outside = mapping.flatMap(([file, targets]) =>
      targets.filter((t) => !["mapping", "api"].includes(layerOf(t))).map((t) => `${file} → ${t}`),
    );
    expect(outside).toEqual([]);
    expect(mapping.flatMap(([file]) => nodeImports(file).filter((s) => NODE_IO.test(s)))).toEqual([]);
  });

  it("has no import cycles between files", () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it("would catch a planted cycle and a planted upward import", () => {
    const planted: ImportGraph = new Map([
      ["api/x.ts", ["cli/y.ts"]],
      ["cli/y.ts", ["api/x.ts"]],
    ]);
    expect(findCycles(planted)).toEqual([["api/x.ts", "cli/y.ts"]]);
    expect(upwardImports(planted)).toEqual(["api/x.ts → cli/y.ts"]);
    expect(NODE_IO.test("node:fs/promises")).toBe(true);
  });
});
