/**
 * A Syvain API in its own process that creates experiments and never answers anything else (the
 * tests' hanging server): uploads hang. Prints `{"url": ..., "apiKey": ...}`, serves until stdin closes.
 */
import { startHangingServer } from "../test/facade/hanging-server.ts";

const server = await startHangingServer();
process.stdout.write(`${JSON.stringify({ url: server.host, apiKey: server.apiKey })}\n`);
process.stdin.resume();
process.stdin.on("end", () => void server.close());
