/**
 * Runs the emulator in its own process for end-to-end benchmarks, as a remote server would be:
 * prints `{"url": ...}` on one line, then serves until stdin closes.
 */
import { startEmulator } from "../src/testing/index.ts";

const emulator = await startEmulator();
process.stdout.write(`${JSON.stringify({ url: emulator.url, apiKey: emulator.apiKey })}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void emulator.close().then(() => process.exit(0));
});
