/**
 * The Node.js version the package needs, and the one-line complaint when it runs on an older one.
 * No side effect and no import, so the lowest layer holds it and every entry can ask first: the
 * package entries through `src/node-version.ts` (which throws), the CLI in `cli/main.ts` (which
 * prints the line and exits 1, a shell user needs no stack).
 */

/** The oldest Node.js the package supports; keep in step with `engines.node` in package.json. */
export const REQUIRED_NODE = "22.19.0";

/** The one-line complaint about `version` (e.g. `process.versions.node`), or `undefined` when it is new enough. */
export function nodeVersionProblem(version: string): string | undefined {
  const have = version.split(".").map((part) => Number.parseInt(part, 10));
  const need = REQUIRED_NODE.split(".").map(Number);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (Number.isNaN(a)) break; // an unparsable version: do not block on our own parsing
    if (a !== b) return a > b ? undefined : `syvain-metrics-otel needs Node.js >= ${REQUIRED_NODE}; this is Node.js ${version}.`;
  }
  return undefined;
}
