/** What the sync tests share: `runSync` against an emulator with its output captured, and a slug another run holds. */
import { runSync } from "../../../src/cli/sync-command.ts";
import { Collector } from "../../../src/facade/index.ts";
import type { Emulator } from "../../../src/testing/index.ts";

/** `syvain-otel sync <args>` in this process, with the emulator's host and key in its environment. */
export async function syncAgainst(emulator: Emulator, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const env = { SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey };
  const code = await runSync(args, { env, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

/** Another run (spool off) creates `slug` and logs one point at `step`. */
export async function anotherRunHolds(emulator: Emulator, slug: string, step: number): Promise<void> {
  const other = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: false });
  (await other.experiment(slug)).metric("loss", -1, { step });
  await other.close();
}
