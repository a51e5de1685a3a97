/**
 * Every relative link of README.md and docs/ leads somewhere: the file exists, and a `#fragment`
 * names a heading of that file (GitHub's heading ids: lower case, punctuation dropped, spaces as
 * hyphens).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { brokenLinks, headingId } from "./markdown-links.ts";

const root = join(import.meta.dirname, "../..");

/** Docs being written on other branches, linked ahead of their arrival. Checked once they exist. */
const ANNOUNCED = new Set(["docs/sync.md", "docs/bridge-operations.md"]);

const documents = ["README.md", ...readdirSync(join(root, "docs"), { recursive: true, encoding: "utf8" }).filter((n) => n.endsWith(".md")).map((n) => `docs/${n}`)];

describe("links of README.md and docs/", () => {
  it("derives GitHub's heading ids", () => {
    expect(headingId("OTel ⇄ Syvain mapping")).toBe("otel--syvain-mapping");
    expect(headingId("Soak (loss accounting under faults)")).toBe("soak-loss-accounting-under-faults");
    expect(headingId("The facade: `Collector` and `Experiment`")).toBe("the-facade-collector-and-experiment");
  });

  it.each(documents)("%s links to files and headings that exist", (doc) => {
    const broken = brokenLinks(root, doc, (file) => existsSync(join(root, file)), (file) => ANNOUNCED.has(file) && !existsSync(join(root, file)));
    expect(broken).toEqual([]);
  });
});
