/**
 * The package's entry points, run as users run them (child processes, real module loading):
 * what the root import loads, what each entry exports, and how an old Node is turned away.
 */
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeVersionProblem, REQUIRED_NODE } from "../../src/api/node-version.ts";
import { srcRoot } from "./import-graph.ts";
import { transpileSrc, type TranspiledSrc } from "./transpile-src.ts";

const run = promisify(execFile);
const recorder = join(import.meta.dirname, "fixtures", "record-loads.ts");

interface Loads {
  atImport: string[];
  afterProvider: string[];
  gaugeRecorded: boolean;
}

async function loadsOf(file: string, ...args: string[]): Promise<Loads> {
  const { stdout } = await run(process.execPath, [recorder, pathToFileURL(file).href, ...args]);
  return JSON.parse(stdout) as Loads;
}

/**
 * What the root entry must not pull in at import: each is slow to load, or needs more than the
 * facade. The spool engine (and the leftovers replay) load at a collector's first `experiment()`.
 */
const HEAVY = [
  /\/src\/bridge\/|\/dist\/bridge\//,
  /^node:zlib$/,
  /\/@opentelemetry\/sdk-(metrics|logs)\//,
  /\/@opentelemetry\/resources\//,
  /\/undici\//,
  /\/(src|dist)\/delivery\/(spool|journal)\//,
  /\/(src|dist)\/destinations\/leftovers\//,
];
const heavyIn = (urls: string[]): string[] => urls.filter((url) => HEAVY.some((pattern) => pattern.test(url)));

/** A Node older than the one we need, if this machine has one (this image ships Node 20 as `node`). */
function oldNode(): { path: string; version: string } | undefined {
  let candidates: string[];
  try {
    candidates = execFileSync("which", ["-a", "node"], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return undefined;
  }
  for (const path of candidates) {
    const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim().slice(1);
    if (nodeVersionProblem(version) !== undefined) return { path, version };
  }
  return undefined;
}

describe("the root entry stays lean", () => {
  it("loads no bridge, OTLP decoder, node:zlib, OTel SDK, undici or spool engine at import", async () => {
    const { atImport } = await loadsOf(join(srcRoot, "index.ts"));
    expect(atImport.some((url) => url.endsWith("/src/facade/collector.ts"))).toBe(true);
    expect(heavyIn(atImport)).toEqual([]);
  });

  it("the recorder does see them, through the bridge entry", async () => {
    const { atImport } = await loadsOf(join(srcRoot, "bridge.ts"));
    expect(atImport).toContain("node:zlib");
    expect(atImport.some((url) => url.includes("/src/bridge/otlp/"))).toBe(true);
    expect(atImport.some((url) => url.includes("/@opentelemetry/sdk-metrics/"))).toBe(true);
  });

  it("a facade experiment's MeterProvider loads the OTel SDK on first use, and works", async () => {
    const loads = await loadsOf(join(srcRoot, "index.ts"), "--meter-provider");
    expect(heavyIn(loads.atImport)).toEqual([]);
    expect(loads.afterProvider.some((url) => url.includes("/@opentelemetry/sdk-metrics/"))).toBe(true);
    expect(loads.gaugeRecorded).toBe(true);
  });
});

describe("package.json exports", () => {
  const exportsMap = (JSON.parse(readFileSync(join(srcRoot, "..", "package.json"), "utf8")) as { exports: Record<string, unknown> }).exports;

  it("has the root, ./otel, ./bridge, ./client and ./testing, each source entry mirrored in dist", () => {
    expect(Object.keys(exportsMap)).toEqual([".", "./otel", "./bridge", "./client", "./testing", "./package.json"]);
    for (const [subpath, target] of Object.entries(exportsMap)) {
      if (subpath === "./package.json") continue;
      const { types, "syvain-source": source, default: built } = target as Record<string, string>;
      expect(source, subpath).toMatch(/^\.\/src\/.+\.ts$/);
      expect(built).toBe(source!.replace(/^\.\/src\//, "./dist/").replace(/\.ts$/, ".js"));
      expect(types).toBe(built!.replace(/\.js$/, ".d.ts"));
      expect(() => readFileSync(join(srcRoot, "..", source!)), subpath).not.toThrow();
    }
  });

  const surfaces: Record<string, string[]> = {
    "index.ts": [
      "Collector",
      "DeliveryIncompleteError",
      "Experiment",
      "JsonlCollector",
      "NoopCollector",
      "SyvainApiError",
      "SyvainError",
      "SyvainValidationError",
      "facadeLimits",
    ],
    "otel.ts": [
      "DEFAULT_CARDINALITY_LIMIT",
      "DEFAULT_EXPORT_INTERVAL_MILLIS",
      "SyvainLogRecordExporter",
      "SyvainLogRecordProcessor",
      "SyvainMetricExporter",
      "SyvainMetricReader",
      "createSyvainExporters",
      "syvainResource",
    ],
    "bridge.ts": ["createBridge"],
    "client.ts": ["createSyvainClient"],
  };
  for (const [file, names] of Object.entries(surfaces)) {
    it(`src/${file} exports exactly its values`, async () => {
      const entry = (await import(pathToFileURL(join(srcRoot, file)).href)) as Record<string, unknown>;
      expect(Object.keys(entry).sort()).toEqual([...names].sort());
    });
  }
});

describe("the Node.js version check", () => {
  it("names the required version and the one found, on one line", () => {
    expect(nodeVersionProblem("20.20.2")).toBe(`syvain-metrics-otel needs Node.js >= ${REQUIRED_NODE}; this is Node.js 20.20.2.`);
    expect(nodeVersionProblem("22.18.9")).toMatch(/needs Node\.js >= 22\.19\.0; this is Node\.js 22\.18\.9\.$/);
    expect(nodeVersionProblem("22.9.0")).toBeDefined(); // compared as numbers, not text
  });

  it("lets 22.19 and anything newer through", () => {
    for (const version of ["22.19.0", "22.20.1", "23.0.0", "24.9.0", "100.0.0"]) expect(nodeVersionProblem(version)).toBeUndefined();
  });
});

describe("the entries as JavaScript (what dist/ holds)", () => {
  let js: TranspiledSrc;
  beforeAll(async () => {
    js = await transpileSrc();
  }, 180_000);
  afterAll(() => js?.remove());

  it("a facade MeterProvider still loads its builders (the .js sibling) on first use", async () => {
    const loads = await loadsOf(join(js.dir, "index.js"), "--meter-provider");
    expect(heavyIn(loads.atImport)).toEqual([]);
    expect(loads.afterProvider.some((url) => url.endsWith("/facade/otel-providers.js"))).toBe(true);
    expect(loads.gaugeRecorded).toBe(true);
  });

  const old = oldNode();
  for (const entry of ["index", "otel", "bridge", "client"]) {
    it.skipIf(old === undefined)(`${entry}.js under Node ${old?.version ?? "< 22.19 (none found)"}: one line naming the version, no link error`, async () => {
      const url = pathToFileURL(join(js.dir, `${entry}.js`)).href;
      const failure = await run(old!.path, ["--input-type=module", "-e", `await import(${JSON.stringify(url)})`]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      const lines = failure!.stderr.split("\n").filter((line) => line.includes("syvain-metrics-otel"));
      expect(lines).toEqual([expect.stringContaining(`needs Node.js >= ${REQUIRED_NODE}; this is Node.js ${old!.version}.`)]);
      expect(failure!.stderr).not.toMatch(/zstdDecompress|does not provide an export/);
    });
  }

  it.skipIf(old === undefined)(`the syvain-otel CLI under Node ${old?.version ?? "< 22.19 (none found)"}: exactly one line naming the version, exit 1`, async () => {
    for (const args of [["bridge", "--help"], ["--version"]]) {
      const failure = await run(old!.path, [join(js.dir, "cli", "main.js"), ...args]).then(
        () => undefined,
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stdout).toBe("");
      expect(failure?.stderr).toBe(`syvain-otel: syvain-metrics-otel needs Node.js >= ${REQUIRED_NODE}; this is Node.js ${old!.version}.\n`);
    }
  });
});
