/**
 * Shipped docs and examples never run `npx syvain-otel` bare: outside a project that installed this
 * package, npx looks the command name up in the registry and, without a TTY (a container, CI),
 * fetches and runs whatever package is called `syvain-otel` — not ours — with the API key and the
 * bridge token in its environment. Every npx of the CLI names our package (`-p syvain-metrics-otel`)
 * or refuses to fetch (`--no-install`). Outside review 7 found it in examples/kubernetes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");
const TEXT = /\.(md|ts|ya?ml|json|sh)$|Dockerfile$/;

const files = [
  "README.md",
  ...["docs", "examples"].flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: "utf8" }).filter((name) => TEXT.test(name)).map((name) => `${dir}/${name}`)),
];

/** The npx invocations of `syvain-otel` in a line (shell or a YAML/JSON argv) that could fetch another package. */
export function unsafeNpx(line: string): string[] {
  const words = line.replace(/["'`,[\]]/g, " ");
  return [...words.matchAll(/\bnpx((?:\s+(?!syvain-otel\b)\S+)*?)\s+syvain-otel\b/g)]
    .filter((m) => !/(^|\s)(--no-install|--no|(-p|--package)(\s+|=)syvain-metrics-otel(@\S*)?)(?=\s|$)/.test(m[1] ?? ""))
    .map((m) => m[0].trim());
}

describe("npx in README.md, docs/ and examples/", () => {
  it("tells a bare npx of the command from one that names the package or refuses to fetch", () => {
    expect(unsafeNpx("npx syvain-otel bridge --bind 0.0.0.0")).toEqual(["npx syvain-otel"]);
    expect(unsafeNpx('command: ["npx", "syvain-otel", "bridge"]')).toEqual(["npx    syvain-otel"]);
    expect(unsafeNpx("npx --yes syvain-otel sync")).toEqual(["npx --yes syvain-otel"]);
    expect(unsafeNpx("npx -p syvain-metrics-otel syvain-otel bridge")).toEqual([]);
    expect(unsafeNpx("npx --package=syvain-metrics-otel@1.2.0 syvain-otel view runs.json")).toEqual([]);
    expect(unsafeNpx('command: ["npx", "--no-install", "syvain-otel", "bridge"]')).toEqual([]);
  });

  it("never runs the CLI through a bare npx", () => {
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((file) =>
      readFileSync(join(root, file), "utf8")
        .split("\n")
        .flatMap((line, i) => unsafeNpx(line).map((hit) => `${file}:${i + 1}: ${hit}`)),
    );
    expect(found).toEqual([]);
  });
});
