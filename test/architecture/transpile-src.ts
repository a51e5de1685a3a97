/**
 * `src/` as plain JavaScript in a temporary directory (one `transpileModule` per file, no type
 * check: a second or two instead of a full build), so a test can run the real entry points under a
 * Node that cannot strip types, or as `dist/` would be. `node_modules` is linked in beside it.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { srcRoot } from "./import-graph.ts";

const repoRoot = join(srcRoot, "..");

export interface TranspiledSrc {
  /** The directory holding the `.js` twin of every `src/` file, same relative paths. */
  dir: string;
  remove(): Promise<void>;
}

export async function transpileSrc(): Promise<TranspiledSrc> {
  const root = await mkdtemp(join(tmpdir(), "syvain-src-js-"));
  const dir = join(root, "dist");
  await writeFile(join(root, "package.json"), JSON.stringify({ type: "module" }));
  await symlink(join(repoRoot, "node_modules"), join(root, "node_modules"), "dir");
  const files = (await readdir(srcRoot, { recursive: true })).filter((file) => file.endsWith(".ts"));
  for (const file of files) {
    const source = await readFile(join(srcRoot, file), "utf8");
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2023,
        rewriteRelativeImportExtensions: true,
        verbatimModuleSyntax: true,
      },
    });
    const out = join(dir, relative(".", file).replace(/\.ts$/, ".js"));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, outputText);
  }
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}
