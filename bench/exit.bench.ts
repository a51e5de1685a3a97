/**
 * Exit time: from the end of a `run()` block to the process exit, in a child process that does
 * nothing else (no `close()`, no `process.exit()`): with the server up and idle, and with the
 * server down, where the best-effort flush must give up at its deadline and the process still exit.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { BenchModule, BenchResult } from "./bench-types.ts";
import { median } from "./bench-types.ts";
import { startChildServer } from "./child-server.ts";

const DEADLINE_SECONDS = 2;
const RUNS = 3;
/** Past this, the child is killed and the row reports it: a process that does not exit is the bug. */
const GIVE_UP_MS = 30_000;
/** `exitFlushTimeoutSeconds`' default: the hanging-server row runs with default options. */
const DEFAULT_EXIT_DEADLINE_SECONDS = 10;

async function msFromRunEndToExit(mode: "idle" | "down" | "hang", env: Record<string, string>): Promise<number> {
  // The default spool, but in a directory of this run: the user's state directory would keep what
  // the server-down runs leave, for the next Collector to deliver somewhere.
  const spoolDir = mkdtempSync(path.join(tmpdir(), "bench-exit-spool-"));
  const child = spawn(process.execPath, ["--conditions=syvain-source", fileURLToPath(new URL("./exit-child.ts", import.meta.url)), mode], {
    // stderr kept apart: the server-down run warns (rightly) that its data was not delivered.
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env, BENCH_EXIT_DEADLINE: String(DEADLINE_SECONDS), SYVAIN_SPOOL_DIR: spoolDir },
  });
  const exited = once(child, "exit");
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout });
  let endedAt: number | undefined;
  lines.on("line", (line) => {
    if (line === "ended") endedAt = performance.now();
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), GIVE_UP_MS);
  const [code] = (await exited) as [number | null];
  const exitAt = performance.now();
  clearTimeout(killer);
  rmSync(spoolDir, { recursive: true, force: true });
  if (code !== 0 || endedAt === undefined) throw new Error(`exit bench (${mode}): child exited with ${code}${endedAt === undefined ? " before the run ended" : ""}\n${stderr}`);
  return exitAt - endedAt;
}

export const exitBench: BenchModule = {
  name: "exit",
  async run(): Promise<BenchResult[]> {
    const emulator = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
    const hanging = await startChildServer(new URL("./hanging-server-process.ts", import.meta.url));
    const idle: number[] = [];
    const down: number[] = [];
    let hang: number;
    try {
      const env = { SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey };
      for (let run = 0; run < RUNS; run++) {
        idle.push(await msFromRunEndToExit("idle", env));
        down.push(await msFromRunEndToExit("down", {}));
      }
      // One run: it waits out the default deadline (10 s) by design.
      hang = await msFromRunEndToExit("hang", { SYVAIN_METRICS_HOST: hanging.url, SYVAIN_METRICS_API_KEY: hanging.apiKey });
    } finally {
      await emulator.stop();
      await hanging.stop();
    }
    return [
      { name: "run() block end → process exit, server up", metric: `median of ${RUNS}`, value: Math.round(median(idle)), unit: "ms", target: { op: "<=", value: 500 } },
      {
        name: `run() block end → process exit, server down`,
        metric: `median of ${RUNS}, flush deadline ${DEADLINE_SECONDS} s`,
        value: Math.round(median(down)),
        unit: "ms",
        target: { op: "<=", value: DEADLINE_SECONDS * 1000 + 500 },
      },
      {
        name: "exit time with hanging uploads (run() block end → process exit, default options)",
        metric: `1 run, exitFlushTimeoutSeconds ${DEFAULT_EXIT_DEADLINE_SECONDS} s (default)`,
        value: Math.round(hang),
        unit: "ms",
        target: { op: "<=", value: DEFAULT_EXIT_DEADLINE_SECONDS * 1000 + 2000 },
      },
    ];
  },
};
