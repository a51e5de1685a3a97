/**
 * Memory a bridge keeps per experiment it has seen (review 14, F8: ~20 KB of heap, ~95 KB of RSS
 * each, for ever). Each variant runs in a fresh process (`bridge-experiments-process.ts`) against
 * the emulator in another: heap and RSS after gc before the experiments, after N of them, and after
 * they idled (released after `experimentIdleSeconds`, here 1 s; `kept`: `null`, the old behaviour).
 * The heap kept per experiment is measured against `one`: the same N requests to one experiment
 * (same warm-up, same garbage). RSS follows the peak of the heap before a major gc (garbage
 * included) and is not given back at once: `one` shows what the requests alone leave.
 * `BENCH_EXPERIMENTS` sets N (default 2000).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { BenchModule, BenchResult } from "./bench-types.ts";
import { startChildServer } from "./child-server.ts";

const MIB = 1024 * 1024;
const VARIANTS = ["one", "kept", "released", "released-spool"] as const;

interface Memory {
  heapUsed: number;
  rss: number;
}
interface Run {
  variant: string;
  experiments: number;
  accepted: number;
  start: Memory;
  afterRequests: Memory;
  heldAfterRequests: number;
  afterIdle: Memory;
  heldAfterIdle: number;
}

async function runVariant(emulatorUrl: string, apiKey: string, variant: string): Promise<Run> {
  const script = fileURLToPath(new URL("./bridge-experiments-process.ts", import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ["--conditions=syvain-source", "--expose-gc", script, emulatorUrl, variant, apiKey], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Run;
}

const mib = (bytes: number): number => Math.round((bytes / MIB) * 10) / 10;

export const bridgeExperimentsBench: BenchModule = {
  name: "bridge experiments memory",
  async run() {
    const emulator = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
    const results: BenchResult[] = [];
    let baseline: Run | undefined;
    try {
      for (const variant of VARIANTS) {
        const run = await runVariant(emulator.url, emulator.apiKey, variant);
        if (run.accepted !== run.experiments) throw new Error(`${variant}: ${run.accepted} of ${run.experiments} points accepted`);
        baseline ??= run;
        const label = variant === "one" ? `${run.experiments} requests, one experiment` : `${run.experiments} experiments, ${variant}`;
        results.push(
          { name: label, metric: "heapUsed after gc: start", value: mib(run.start.heapUsed), unit: "MiB" },
          { name: label, metric: `heapUsed after gc: after requests (${run.heldAfterRequests} held)`, value: mib(run.afterRequests.heapUsed), unit: "MiB" },
          { name: label, metric: `heapUsed after gc: after idling (${run.heldAfterIdle} held)`, value: mib(run.afterIdle.heapUsed), unit: "MiB" },
          { name: label, metric: "RSS: start", value: mib(run.start.rss), unit: "MiB" },
          { name: label, metric: "RSS: after requests", value: mib(run.afterRequests.rss), unit: "MiB" },
          { name: label, metric: "RSS: after idling", value: mib(run.afterIdle.rss), unit: "MiB" },
        );
        if (variant === "one") continue;
        // Released: what stays per experiment seen is its counts (stats), not its outbox.
        const perExperiment = Math.round((run.afterIdle.heapUsed - baseline.afterIdle.heapUsed) / run.experiments);
        results.push({ name: label, metric: "heap kept per experiment after idling (vs one)", value: perExperiment, unit: "bytes", ...(variant === "kept" ? {} : { target: { op: "<=" as const, value: 2048 } }) });
      }
    } finally {
      await emulator.stop();
    }
    return results;
  },
};
