/**
 * What `npm pack` ships, checked on a real tarball: the pack runs the `prepack` build (a fresh clone
 * has no `dist/`), so this is what `npm publish` would upload. Every path `package.json` names must
 * be in it, every source map must point at shipped files, and the license text must be there.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerSmoke } from "./consumer-smoke.ts";
import { brokenLinks } from "../readme/markdown-links.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let dir: string;
let tarball: string;
/** Paths in the tarball, relative to its `package/` folder. */
let shipped: Set<string>;
let manifest: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "syvain-pack-"));
  // The real pack (not --dry-run): `prepack` builds, and the tarball is unpacked to read the maps.
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  const [result] = JSON.parse(stdout.slice(stdout.indexOf("["))) as PackResult[];
  tarball = join(dir, result!.filename);
  shipped = new Set(result!.files.map((file) => file.path));
  await run("tar", ["-xzf", tarball, "-C", dir]);
  manifest = JSON.parse(await readFile(join(dir, "package", "package.json"), "utf8")) as Record<string, unknown>;
}, 300_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

/** Every string leaf of an `exports` / `bin` value: the conditions' targets. */
function targets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value !== "object" || value === null) return [];
  return Object.values(value).flatMap(targets);
}

const normal = (path: string): string => posix.normalize(path).replace(/^\.\//, "");

describe("npm pack", () => {
  it("ships the built code, its types, the README, the docs and examples it links to, and the license", () => {
    for (const path of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/testing/index.js", "dist/cli/main.js", "docs/spool.md", "examples/quickstart.ts"]) {
      expect(shipped, path).toContain(path);
    }
    // Tests, benches and configs stay home.
    expect([...shipped].filter((path) => /^(test|bench|soak)\//.test(path) || path.startsWith("tsconfig"))).toEqual([]);
  });

  it("every relative link of the shipped README, docs and examples leads to a file (and heading) in the package", () => {
    const documents = [...shipped].filter((path) => path.endsWith(".md"));
    expect(documents).toContain("docs/sync.md");
    expect(documents.flatMap((doc) => brokenLinks(join(dir, "package"), doc, (file) => shipped.has(file) || [...shipped].some((p) => p.startsWith(`${file.replace(/\/$/, "")}/`))))).toEqual([]);
  });

  it("contains every path package.json names (main, types, exports, bin, files)", () => {
    const named = [
      ...targets(manifest.main),
      ...targets(manifest.types),
      ...targets(manifest.typings),
      ...targets(manifest.exports),
      ...targets(manifest.bin),
    ].map(normal);
    expect(named.length).toBeGreaterThan(5);
    const missing = named.filter((path) => !shipped.has(path));
    expect(missing).toEqual([]);
    for (const entry of (manifest.files as string[] | undefined) ?? []) {
      const path = normal(entry);
      expect([...shipped].some((file) => file === path || file.startsWith(`${path}/`)), `files entry ${entry}`).toBe(true);
    }
  });

  it("has no source map that points at a file missing from the tarball", async () => {
    const maps = [...shipped].filter((path) => path.endsWith(".map"));
    expect(maps.length).toBeGreaterThan(50);
    const broken: string[] = [];
    for (const map of maps) {
      const parsed = JSON.parse(await readFile(join(dir, "package", map), "utf8")) as { file?: string; sources: string[]; sourceRoot?: string };
      const base = posix.join(posix.dirname(map), parsed.sourceRoot ?? "");
      for (const source of [...parsed.sources, ...(parsed.file ? [parsed.file] : [])]) {
        const path = posix.join(base, source);
        if (!shipped.has(path)) broken.push(`${map} -> ${path}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("states its license with the full Apache-2.0 text, and where the code and issues live", async () => {
    expect(manifest.license).toBe("Apache-2.0");
    const license = await readFile(join(dir, "package", "LICENSE"), "utf8");
    expect(license).toContain("Apache License");
    expect(license).toContain("Version 2.0, January 2004");
    expect(license).toContain("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION");
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    expect(license).toContain("9. Accepting Warranty or Additional Liability.");
    expect(manifest.repository).toMatchObject({ type: "git", url: expect.stringContaining("github.com/syvain/syvain-metrics-otel") });
    expect(manifest.bugs).toMatchObject({ url: expect.stringContaining("github.com/syvain/syvain-metrics-otel/issues") });
  });

  it("states the oldest TypeScript its types work with", () => {
    const peers = manifest.peerDependencies as Record<string, string>;
    const meta = manifest.peerDependenciesMeta as Record<string, { optional?: boolean }>;
    expect(peers.typescript).toMatch(/^>=5\.\d+$/);
    // Optional: JavaScript users need no TypeScript at all.
    expect(meta.typescript?.optional).toBe(true);
  });

  it("leaves no stale build output behind: every shipped .js has its source", () => {
    const built = [...shipped].filter((path) => path.startsWith("dist/") && path.endsWith(".js"));
    expect(built.length).toBeGreaterThan(50);
    const orphans = built.filter((path) => !shipped.has(path.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")));
    expect(orphans).toEqual([]);
  });
});

describe("the packed tarball in a project", () => {
  // What `npm install <tgz>` lays out, offline: the unpacked tarball in node_modules, next to the
  // dependencies and peers (linked from this checkout, the versions the lockfile pins). The real
  // `npm install` from the registry is `npm run check:install` (it needs the network).
  it("imports, sends a metric to the emulator and runs its bin, from dist/ only", async () => {
    const project = join(dir, "project");
    const modules = join(project, "node_modules");
    await mkdir(join(modules, "@opentelemetry"), { recursive: true });
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await rename(join(dir, "package"), join(modules, "syvain-metrics-otel"));
    const needed = Object.keys({ ...(manifest.dependencies as object), ...(manifest.peerDependencies as object) }).filter((name) => name !== "typescript");
    for (const name of needed) await symlink(join(root, "node_modules", name), join(modules, name), "dir");
    await writeFile(join(project, "smoke.mjs"), consumerSmoke);
    const { stdout } = await run(process.execPath, ["smoke.mjs"], { cwd: project });
    expect(stdout).toContain("smoke ok");
  });
});
