/**
 * The example without Docker: app → syvain-otel bridge → Syvain emulator, all on 127.0.0.1.
 *
 * 1. starts the emulator (in this process, so its store can be checked at the end);
 * 2. starts `syvain-otel bridge` as its own process, pointed at the emulator, with its spool in a
 *    temporary directory (removed at the end);
 * 3. runs `app.ts` with OTEL_EXPORTER_OTLP_ENDPOINT = the bridge (gzip protobuf);
 * 4. stops the bridge with SIGTERM (it drains, then exits 0) and checks that every step and log
 *    record arrived exactly once. Exit code 0 when they did.
 *
 * Run: npm run example:otel-collector   (STEPS=200 by default)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { EMULATOR_API_KEY, startEmulator } from "syvain-metrics-otel/testing";

const root = fileURLToPath(new URL("../../", import.meta.url));
const steps = Number(process.env.STEPS ?? 200);
const slug = process.env.EXPERIMENT_SLUG ?? "otel-collector-demo";
const node = [process.execPath, "--conditions=syvain-source"];

const emulator = await startEmulator();
const say = (line: string): boolean => process.stdout.write(`[run-local] ${line}\n`);
say(`emulator on ${emulator.url}`);

const spoolDir = await mkdtemp(join(tmpdir(), "syvain-bridge-spool-"));
const bridge = spawn(node[0]!, [...node.slice(1), "src/cli/main.ts", "bridge", "--port", "0", "--syvain-host", emulator.url, "--shutdown-timeout", "20", "--spool-dir", spoolDir], {
  cwd: root,
  env: { ...process.env, SYVAIN_METRICS_API_KEY: EMULATOR_API_KEY },
  stdio: ["ignore", "inherit", "pipe"],
});
const bridgeUrl = await listeningUrl(bridge);
say(`bridge on ${bridgeUrl}`);

const app = spawn(node[0]!, [...node.slice(1), "examples/otel-collector/app.ts"], {
  cwd: root,
  env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: bridgeUrl, OTEL_EXPORTER_OTLP_COMPRESSION: "gzip", STEPS: String(steps), EXPERIMENT_SLUG: slug },
  stdio: ["ignore", "inherit", "inherit"],
});
const [appCode] = (await once(app, "exit")) as [number | null];
bridge.kill("SIGTERM");
const [bridgeCode] = (await once(bridge, "exit")) as [number | null];

const problems: string[] = [];
if (appCode !== 0) problems.push(`app exited with ${appCode}`);
if (bridgeCode !== 0) problems.push(`bridge exited with ${bridgeCode}`);
const experiment = emulator.store.experiment(slug);
if (experiment === undefined) problems.push(`no experiment ${slug}`);
else {
  for (const name of ["train.loss", "train.accuracy"]) {
    const stored = emulator.store.metrics(slug, { name }).map((m) => m.step);
    const unique = new Set(stored);
    if (stored.length !== steps || unique.size !== steps) problems.push(`${name}: ${stored.length} points for ${unique.size} distinct steps, expected ${steps}`);
  }
  const samples = emulator.store.metrics(slug, { name: "train.samples" }).reduce((sum, m) => sum + m.value, 0);
  if (samples !== 128 * steps) problems.push(`train.samples adds up to ${samples}, expected ${128 * steps}`);
  const annotations = emulator.store.annotations(slug).map((a) => a.text);
  const expectedLogs = 2 + Math.floor((steps - 1) / 50);
  if (annotations.length !== expectedLogs) problems.push(`${annotations.length} annotations, expected ${expectedLogs}`);
  say(`experiment ${slug}: metadata ${JSON.stringify(experiment.metadata)}`);
  say(`stored: ${JSON.stringify(emulator.store.totals())}; annotations: ${JSON.stringify(annotations)}`);
}
await emulator.close();
await rm(spoolDir, { recursive: true, force: true });
if (problems.length > 0) {
  say(`FAILED: ${problems.join("; ")}`);
  process.exitCode = 1;
} else {
  say(`OK: ${steps} steps of train.loss and train.accuracy, the sample counter and every log record arrived exactly once`);
}

/** The bridge logs one JSON line per event on stderr; the `listening` one carries its URL. */
async function listeningUrl(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stderr! });
  for await (const line of lines) {
    process.stderr.write(`[bridge] ${line}\n`);
    const entry = JSON.parse(line) as { event?: string; url?: string };
    if (entry.event === "listening" && entry.url !== undefined) {
      // Keep echoing the bridge's log.
      lines.on("line", (next) => process.stderr.write(`[bridge] ${next}\n`));
      return entry.url;
    }
  }
  throw new Error("the bridge exited before listening");
}
