/**
 * `npm run demo`: runs examples/quickstart.ts and shows what arrived.
 *
 * Without SYVAIN_METRICS_API_KEY it starts the local Syvain emulator in this process (no account,
 * no network beyond 127.0.0.1) and points the quickstart at it; with the key set it uses the real
 * service (SYVAIN_METRICS_HOST, else https://metrics.syvain.com). Then it reads the series back
 * through the API client and prints a summary and a terminal chart of the training loss.
 *
 * With the local emulator it also prints the experiment viewer's URL and, in a terminal, keeps
 * serving it until Ctrl-C (`--no-wait`, or output that is not a TTY, exits at once as in CI).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createSyvainClient, type SeriesBatch } from "syvain-metrics-otel/client";
import { EMULATOR_API_KEY, startEmulator } from "syvain-metrics-otel/testing";
import { renderChart } from "./terminal-chart.ts";

const quickstart = fileURLToPath(new URL("./quickstart.ts", import.meta.url));
const realKey = process.env.SYVAIN_METRICS_API_KEY;
const emulator = realKey ? undefined : await startEmulator();
const apiKey = realKey ?? EMULATOR_API_KEY;
const host = emulator?.url ?? process.env.SYVAIN_METRICS_HOST ?? "https://metrics.syvain.com";
const slug = `quickstart-demo-${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}`;

console.log(emulator ? `Syvain emulator at ${emulator.url} (set SYVAIN_METRICS_API_KEY to use the real service)` : `Syvain Metrics at ${host}`);
console.log(`running examples/quickstart.ts as experiment ${slug}\n`);

try {
  const exitCode = await runQuickstart();
  if (exitCode !== 0) {
    console.error(`quickstart failed (exit code ${exitCode})`);
    process.exitCode = 1;
  } else {
    await summarize();
    if (emulator) await offerViewer(emulator.url);
  }
} finally {
  await emulator?.close();
}

async function offerViewer(url: string): Promise<void> {
  const page = `${url}/#/e/${encodeURIComponent(slug)}`;
  if (!process.stdout.isTTY || process.argv.includes("--no-wait")) {
    console.log(`\nviewer: ${page} (closed now: run in a terminal without --no-wait to keep it open)`);
    return;
  }
  console.log(`\nSee your run: ${page}\n(serving until Ctrl-C)`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

function runQuickstart(): Promise<number | null> {
  // The conditions this process was started with: `npm run demo` resolves the package to its
  // sources in a clone; a copy of the examples outside it uses the installed build.
  const child = spawn(process.execPath, [...process.execArgv, quickstart], {
    env: { ...process.env, SYVAIN_METRICS_API_KEY: apiKey, SYVAIN_METRICS_HOST: host, QUICKSTART_SLUG: slug },
    stdio: "inherit",
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
}

async function summarize(): Promise<void> {
  const client = createSyvainClient({ apiKey, host });
  try {
    const experiment = await client.getExperiment(slug);
    const series = await client.querySeries({ experiment_id: experiment.id, metric_name: "loss", order: { axis: "step", direction: "asc" } });
    const { annotations } = await client.listAnnotations(experiment.id);
    console.log(`\nexperiment  ${experiment.slug}  status=${experiment.status}`);
    console.log(`meta        ${JSON.stringify(experiment.metadata)}`);
    for (const batch of series) console.log(describeSeries(batch));
    for (const note of annotations) console.log(`annotation  ${JSON.stringify(note.text)} ${JSON.stringify(note.metadata)}`);
    const train = series.find((batch) => batch.metadata.split === "train");
    if (train) {
      const points = train.data.value.map((y, i) => ({ x: train.data.steps[i] ?? i, y }));
      console.log(`\nloss {split: "train"} by step\n${renderChart(points, { width: 60, height: 15, logY: true, xLabel: "step" })}`);
    }
  } finally {
    await client.close();
  }
}

function describeSeries(batch: SeriesBatch): string {
  const { steps, value } = batch.data;
  const first = value[0];
  const last = value.at(-1);
  const range = steps.length > 0 ? `steps ${steps[0]}–${steps.at(-1)}` : "no points";
  return `series      ${batch.metric_name} ${JSON.stringify(batch.metadata)}: ${value.length} points, ${range}, first ${first?.toPrecision(4)}, last ${last?.toPrecision(4)}`;
}
