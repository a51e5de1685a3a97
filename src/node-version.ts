/**
 * The Node.js version check every entry point evaluates first. It imports nothing, so on an old
 * Node it runs before any module that needs a newer one (the bridge's `zstdDecompress`, for one),
 * and the import fails with one line naming the version instead of a confusing error further in.
 * It throws rather than exiting: `await import()` of the package stays catchable.
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

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  const error = new Error(problem);
  // No stack frames: the message is the whole story, and Node prints `stack` for an uncaught error.
  error.stack = `Error: ${problem}`;
  throw error;
}
