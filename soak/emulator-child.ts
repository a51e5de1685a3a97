/**
 * The emulator as a child process (`syvain-otel emulator --data-file F`), so the soak can stop it
 * and start it again on the same port mid-run, plus its admin routes: faults (`PUT
 * /_emulator/faults`) and stats (`GET /_emulator/stats`). Counters live per process: `stop()`
 * keeps the last snapshot, and `totals()` adds the lives up.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { EmulatorCounters, EmulatorStats, FaultPlan } from "../src/testing/index.ts";
import { EMULATOR_API_KEY } from "../src/testing/index.ts";

const CLI = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:(\d+))/;

export class EmulatorChild {
  readonly apiKey = EMULATOR_API_KEY;
  readonly #dataFile: string;
  #child: ChildProcess | undefined;
  #url = "";
  #port = 0;
  readonly #finishedLives: EmulatorCounters[] = [];
  starts = 0;

  constructor(dataFile: string) {
    this.#dataFile = dataFile;
  }

  get url(): string {
    return this.#url;
  }

  /** Starts the emulator: on a free port the first time, then on the same port (clients keep their host). */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ["--conditions=syvain-source", CLI, "emulator", "--port", String(this.#port), "--data-file", this.#dataFile], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.#child = child;
    const lines = createInterface({ input: child.stdout });
    const exited = once(child, "exit").then(([code]) => Promise.reject(new Error(`soak: the emulator exited with ${String(code)} before listening`)));
    const listening = new Promise<RegExpExecArray>((resolve) => {
      lines.on("line", (line) => {
        const match = LISTENING.exec(line);
        if (match) resolve(match);
      });
    });
    const match = await Promise.race([listening, exited]);
    this.#url = match[1]!;
    this.#port = Number(match[2]);
    this.starts += 1;
  }

  /** SIGTERM: the emulator drops open connections, saves its data file and exits 0. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    this.#finishedLives.push((await this.stats()).counters);
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    this.#child = undefined;
    if (code !== 0) throw new Error(`soak: the emulator exited with ${String(code)} on SIGTERM`);
  }

  /** Last resort (the soak overran its time bound): no save, no waiting. */
  kill(): void {
    this.#child?.kill("SIGKILL");
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async setFaults(plan: FaultPlan): Promise<void> {
    const response = await fetch(`${this.#url}/_emulator/faults`, { method: "PUT", headers: this.#headers(), body: JSON.stringify(plan) });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`soak: PUT /_emulator/faults answered ${response.status}`);
  }

  async stats(): Promise<EmulatorStats> {
    const response = await fetch(`${this.#url}/_emulator/stats`, { headers: this.#headers() });
    if (!response.ok) throw new Error(`soak: GET /_emulator/stats answered ${response.status}`);
    return (await response.json()) as EmulatorStats;
  }

  /** Counters summed over every life of the emulator (the current one included, if running). */
  async totals(): Promise<{ requests: number; duplicatesSuppressed: number; faultsInjected: number; faultsByKind: EmulatorCounters["faultsByKind"] }> {
    const lives = [...this.#finishedLives, ...(this.#child ? [(await this.stats()).counters] : [])];
    const sum = { requests: 0, duplicatesSuppressed: 0, faultsInjected: 0, faultsByKind: { status: 0, delay: 0, reset: 0, storeThenFail: 0 } };
    for (const life of lives) {
      for (const [route, count] of Object.entries(life.requests)) if (!route.startsWith("admin")) sum.requests += count;
      sum.duplicatesSuppressed += life.duplicatesSuppressed;
      sum.faultsInjected += life.faultsInjected;
      for (const kind of Object.keys(sum.faultsByKind) as (keyof EmulatorCounters["faultsByKind"])[]) sum.faultsByKind[kind] += life.faultsByKind[kind];
    }
    return sum;
  }

  #headers(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json" };
  }
}
