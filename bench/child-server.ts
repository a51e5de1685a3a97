/**
 * A server in its own process, as a remote server would be (client and server do not share a
 * thread): the script prints `{"url": ..., "apiKey": ...}` on its first stdout line and serves
 * until its stdin closes. `BENCH_SERVER_PROF=<dir>` writes a CPU profile of each server process.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** USER_HZ: 100 on every Linux the benches run on. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ChildServer {
  url: string;
  apiKey: string;
  /** CPU time (user + system) the server process has used so far, in seconds; NaN where /proc is missing. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

export async function startChildServer(script: URL): Promise<ChildServer> {
  const prof = process.env.BENCH_SERVER_PROF;
  const args = [...(prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : []), "--conditions=syvain-source", fileURLToPath(script)];
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const [first] = (await once(lines, "line")) as [string];
  const { url, apiKey } = JSON.parse(first) as { url: string; apiKey: string };
  return {
    url,
    apiKey,
    cpuSeconds: () => processCpuSeconds(child.pid),
    stop: async () => {
      const exited = once(child, "exit");
      child.stdin.end();
      await exited;
    },
  };
}

/** From `/proc/<pid>/stat` (Linux): a server's own CPU time, read without asking the server. */
async function processCpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at state; utime, stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

export async function getJson<T>(url: string, apiKey: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
  return (await response.json()) as T;
}

/** Replaces the emulator's fault plan (`{}`: no faults). */
export async function putFaults(url: string, apiKey: string, plan: unknown): Promise<void> {
  const response = await fetch(`${url}/_emulator/faults`, {
    method: "PUT",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(plan),
  });
  if (!response.ok) throw new Error(`PUT /_emulator/faults: HTTP ${response.status}`);
}
