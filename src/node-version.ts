/**
 * The Node.js version check every package entry point evaluates first. It imports only the check
 * itself (which imports nothing), so on an old Node it runs before any module that needs a newer
 * one (the bridge's `zstdDecompress`, for one), and the import fails with one line naming the
 * version instead of a confusing error further in. It throws rather than exiting: `await import()`
 * of the package stays catchable.
 */
import { nodeVersionProblem } from "./api/node-version.ts";

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  const error = new Error(problem);
  // No stack frames: the message is the whole story, and Node prints `stack` for an uncaught error.
  error.stack = `Error: ${problem}`;
  throw error;
}
