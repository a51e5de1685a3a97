/**
 * A server in its own process, as a remote server would be (client and server do not share a
 * thread): the script prints `{"url": ..., "apiKey": ...}` on its first stdout line and serves
 * until its stdin closes. `BENCH_SERVER_PROF=<dir>` writes a CPU profile of each server process.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface ChildServer {
  url: string;
  apiKey: string;
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
    stop: async () => {
      const exited = once(child, "exit");
      child.stdin.end();
      await exited;
    },
  };
}

export async function getJson<T>(url: string, apiKey: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
  return (await response.json()) as T;
}
