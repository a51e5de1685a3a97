/**
 * `fixtures/append-child.ts` run as a real child process: a spool writer appending numbered records
 * as fast as it can, for tests that kill it (SIGKILL) or judge its folder while it runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "append-child.ts");

export interface RunningChild {
  child: ChildProcess;
  writerDir: Promise<string>;
  /** Resolves once the child reported at least `n` durable. */
  durableAtLeast(n: number): Promise<number>;
  highest(): number;
  exited: Promise<void>;
}

export function startChild(dir: string, syncMs: number, segmentBytes: number): RunningChild {
  const child = spawn(process.execPath, ["--conditions=syvain-source", fixture, dir, String(syncMs), String(segmentBytes)], { stdio: ["ignore", "pipe", "inherit"] });
  let highest = -1;
  let buffered = "";
  let onReady: (dir: string) => void = () => undefined;
  const writerDir = new Promise<string>((resolve) => (onReady = resolve));
  const waiters: { n: number; resolve: (n: number) => void }[] = [];
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    buffered += text;
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith("READY ")) onReady(line.slice(6));
      else if (line.startsWith("D ")) highest = Math.max(highest, Number(line.slice(2)));
    }
    for (const w of waiters.splice(0)) {
      if (highest >= w.n) w.resolve(highest);
      else waiters.push(w);
    }
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    child,
    writerDir,
    durableAtLeast: (n) => new Promise((resolve) => (highest >= n ? resolve(highest) : waiters.push({ n, resolve }))),
    highest: () => highest,
    exited,
  };
}

