/**
 * Every relative link of README.md and docs/ leads somewhere: the file exists, and a `#fragment`
 * names a heading of that file (GitHub's heading ids: lower case, punctuation dropped, spaces as
 * hyphens).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

/** Docs being written on other branches, linked ahead of their arrival. Checked once they exist. */
const ANNOUNCED = new Set(["docs/sync.md", "docs/bridge-operations.md"]);

const documents = ["README.md", ...readdirSync(join(root, "docs"), { recursive: true, encoding: "utf8" }).filter((n) => n.endsWith(".md")).map((n) => `docs/${n}`)];

export function headingId(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function headingIds(file: string): Set<string> {
  const text = readFileSync(join(root, file), "utf8").replace(/^```[\s\S]*?^```$/gm, "");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingId(m[1] ?? "")));
}

/** `[text](target)` and `![alt](target)` outside code blocks, relative targets only. */
function links(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8").replace(/^```[\s\S]*?^```$/gm, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "").filter((target) => !/^[a-z]+:/.test(target));
}

describe("links of README.md and docs/", () => {
  it("derives GitHub's heading ids", () => {
    expect(headingId("OTel ⇄ Syvain mapping")).toBe("otel--syvain-mapping");
    expect(headingId("Soak (loss accounting under faults)")).toBe("soak-loss-accounting-under-faults");
    expect(headingId("The facade: `Collector` and `Experiment`")).toBe("the-facade-collector-and-experiment");
  });

  it.each(documents)("%s links to files and headings that exist", (doc) => {
    const broken = links(doc).flatMap((target) => {
      const [path = "", fragment] = target.split("#");
      const file = path === "" ? doc : relative(root, normalize(join(root, dirname(doc), path)));
      if (ANNOUNCED.has(file) && !existsSync(join(root, file))) return [];
      if (!existsSync(join(root, file))) return [`${target}: no file ${file}`];
      if (fragment !== undefined && file.endsWith(".md") && !headingIds(file).has(fragment)) return [`${target}: no heading #${fragment} in ${file}`];
      return [];
    });
    expect(broken).toEqual([]);
  });
});
