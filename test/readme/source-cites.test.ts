/**
 * A source comment that cites a file must cite one a reader of the repository can open: every
 * repository path (`src/...`, `docs/...`, `bench/...`, a `*.md` file...) named in `src/` exists.
 * Design notes kept outside the repository are not cited; what they said lives in docs/.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

const TOP = "(?:src|test|docs|examples|bench|soak|scripts|viewer-assets|shared)";
const PATH = new RegExp(`(?<![\\w./-])(${TOP}/[\\w./-]*[\\w/])`, "g");
/** A Markdown file named without a folder (`design.md`): only the repository's own root files qualify. */
const BARE_MD = /(?<![\w./-])([\w-]+\.md)\b/g;

export function citedPaths(text: string): string[] {
  return [...[...text.matchAll(PATH)].map((m) => m[1] ?? ""), ...[...text.matchAll(BARE_MD)].map((m) => m[1] ?? "")];
}

const sources = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })
  .filter((name) => name.endsWith(".ts"))
  .map((name) => `src/${name}`);

describe("files cited in src/ comments", () => {
  it("reads cites out of a comment", () => {
    expect(citedPaths("/** See `shared/design.md` and design.md, then docs/otel.md (and src/cli/). */")).toEqual([
      "shared/design.md",
      "docs/otel.md",
      "src/cli/",
      "design.md",
    ]);
    expect(citedPaths("import x from \"../delivery/outbox.ts\"; // https://example.com/a/docs/x.md")).toEqual([]);
  });

  it("exist in the repository", () => {
    const missing = sources.flatMap((file) =>
      citedPaths(readFileSync(join(root, file), "utf8"))
        .filter((cited) => !existsSync(join(root, cited)))
        .map((cited) => `${file}: ${cited}`),
    );
    expect(missing).toEqual([]);
  });
});
