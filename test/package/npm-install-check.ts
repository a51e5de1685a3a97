/**
 * `npm run check:install`: packs this checkout (the `prepack` build included), installs the tarball
 * with the real `npm install` into an empty project in a temp folder, and runs the consumer smoke
 * script there, then checks that every relative link of the installed README, docs/ and examples/
 * leads to a file of the installed package. Not part of `vitest run`: the install fetches the peers
 * from the npm registry. Exits 0 and prints `smoke ok` and `docs ok`, or exits 1 with the error.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { consumerSmoke } from "./consumer-smoke.ts";
import { brokenLinks } from "../readme/markdown-links.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = await mkdtemp(join(tmpdir(), "syvain-install-"));
try {
  const packed = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as [{ filename: string }];
  const project = join(dir, "project");
  await mkdir(project);
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, filename)], { cwd: project });
  await writeFile(join(project, "smoke.mjs"), consumerSmoke);
  const { stdout } = await run(process.execPath, ["smoke.mjs"], { cwd: project });
  process.stdout.write(stdout);
  // What a user reads in node_modules: the README's links to docs/ and examples/ lead somewhere.
  const installed = join(project, "node_modules", "syvain-metrics-otel");
  const documents = (await readdir(installed, { recursive: true })).filter((path) => path.endsWith(".md") && !path.startsWith("node_modules"));
  const broken = documents.flatMap((doc) => brokenLinks(installed, doc, (file) => existsSync(join(installed, file))));
  if (!documents.includes(join("docs", "spool.md")) || broken.length > 0) throw new Error(`the installed package's docs: ${documents.length} Markdown file(s); broken links:\n${broken.join("\n")}`);
  process.stdout.write(`docs ok: ${documents.length} Markdown files, every relative link resolves in the installed package\n`);
} catch (error) {
  process.stderr.write(`check:install failed: ${String((error as { stderr?: string }).stderr || error)}\n`);
  process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
