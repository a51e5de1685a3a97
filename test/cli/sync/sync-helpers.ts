/**
 * What the sync tests share: `runSync` against an emulator with its output captured, a slug another
 * run holds, and a run logged offline in a child process of its own (so its writer is dead when sync runs).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { runSync } from "../../../src/cli/sync-command.ts";
import { Collector } from "../../../src/facade/index.ts";
import { startEmulator, type Emulator } from "../../../src/testing/index.ts";
import { afterAll, beforeAll } from "vitest";

/** `syvain-otel sync <args>` in this process, with the emulator's host and key in its environment (`extraEnv` over them). */
export async function syncAgainst(emulator: Emulator, args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const env = { SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey, ...extraEnv };
  const code = await runSync(args, { env, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

/** Ingest requests the emulator has answered so far (metrics and annotations): a sync that sends nothing leaves it as it was. */
export function ingestRequests(emulator: Emulator): number {
  return (emulator.counters.requests["ingestMetrics"] ?? 0) + (emulator.counters.requests["ingestAnnotations"] ?? 0);
}

/** Another run (spool off) creates `slug` and logs one point at `step`. */
export async function anotherRunHolds(emulator: Emulator, slug: string, step: number): Promise<void> {
  const other = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: false });
  (await other.experiment(slug)).metric("loss", -1, { step });
  await other.close();
}

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** `node <args>` from the package root (its source through the `syvain-source` condition), with only `env`, PATH and HOME. */
export async function runNode(args: string[], env: Record<string, string>, home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--conditions=syvain-source", ...args], { cwd: root, env: { PATH: process.env.PATH ?? "", HOME: home, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, stderr };
}

/** A script (for `node --input-type=module -e`): run `slug` logged offline, 250 points and one annotation, closed `done`. */
export function offlineRun(slug: string): string {
  return `
import { Collector } from "syvain-metrics-otel";
const collector = new Collector({ mode: "offline" });
const experiment = await collector.experiment(${JSON.stringify(slug)}, { meta: { lr: 0.1 } });
await experiment.run(() => {
  for (let step = 0; step < 250; step++) experiment.metric("loss", 1 / (step + 1), { step });
  experiment.annotation("offline run finished");
});
await collector.close();
`;
}

/**
 * The emulator and a temporary directory a sync test file shares: made before its tests (handed to
 * `ready`, which keeps them in the file's own variables), closed and removed after them.
 */
export function useSyncTestbed(prefix: string, ready: (emulator: Emulator, dir: string) => void): void {
  let made: { emulator: Emulator; dir: string } | undefined;
  beforeAll(async () => {
    made = { emulator: await startEmulator({ ui: false }), dir: mkdtempSync(join(tmpdir(), prefix)) };
    ready(made.emulator, made.dir);
  });
  afterAll(async () => {
    await made?.emulator.close();
    if (made !== undefined) rmSync(made.dir, { recursive: true, force: true });
  });
}
