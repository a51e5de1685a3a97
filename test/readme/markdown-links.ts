/**
 * Reading Markdown links and headings as GitHub renders them: shared by the repository's link check
 * (`doc-links.test.ts`) and the package's (`test/package`: the docs as shipped to npm).
 */
import { readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** GitHub's heading ids: lower case, punctuation dropped, spaces as hyphens. */
export function headingId(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

const withoutCode = (text: string): string => text.replace(/^```[\s\S]*?^```$/gm, "");

export function headingIds(path: string): Set<string> {
  return new Set([...withoutCode(readFileSync(path, "utf8")).matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingId(m[1] ?? "")));
}

/** `[text](target)` and `![alt](target)` outside code blocks, relative targets only. */
export function relativeLinks(path: string): string[] {
  return [...withoutCode(readFileSync(path, "utf8")).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "").filter((target) => !/^[a-z]+:/.test(target));
}

/**
 * The relative links of `doc` (a path under `root`) that lead nowhere: outside `root`, no such file
 * (`exists`), or no such heading. `skip(file)`: a target not to check (announced, not written yet).
 */
export function brokenLinks(root: string, doc: string, exists: (file: string) => boolean, skip: (file: string) => boolean = () => false): string[] {
  return relativeLinks(join(root, doc)).flatMap((target) => {
    const [path = "", fragment] = target.split("#");
    const file = path === "" ? doc : relative(root, normalize(join(root, dirname(doc), path)));
    if (skip(file)) return [];
    if (file.startsWith("..") || !exists(file)) return [`${doc}: ${target}: no file ${file}`];
    if (fragment !== undefined && file.endsWith(".md") && !headingIds(join(root, file)).has(fragment)) return [`${doc}: ${target}: no heading #${fragment} in ${file}`];
    return [];
  });
}
