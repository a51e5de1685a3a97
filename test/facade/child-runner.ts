/** Runs a fixture script in a child Node process (`--conditions=syvain-source`) against an emulator. */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Child {
  result: Promise<ChildResult>;
  /** Resolves when stdout has printed `line`. */
  printed(line: string): Promise<void>;
  /** What stderr has printed so far. */
  stderrSoFar(): string;
  kill(signal: NodeJS.Signals): void;
  write(text: string): void;
}

export interface SpawnOptions {
  /** The child's stdout: a pipe (default, `printed()` works) or a file read back once it exits. */
  stdout?: "pipe" | "file";
  /** More environment variables for the child. */
  env?: NodeJS.ProcessEnv;
  /**
   * Runs the child under `ulimit -f` (KiB): a write past that size fails with EFBIG (Node ignores
   * SIGXFSZ), which is how a test gets a full disk without mounting one.
   */
  fileSizeLimitKiB?: number;
}

export function spawnFixture(fixture: string, args: readonly string[], server: { host: string; apiKey: string }, options: SpawnOptions = {}): Child {
  const file = options.stdout === "file" ? join(mkdtempSync(join(tmpdir(), "syvain-child-")), "stdout.txt") : undefined;
  const fd = file === undefined ? undefined : openSync(file, "w");
  const nodeArgs = ["--conditions=syvain-source", fixture, ...args];
  const limit = options.fileSizeLimitKiB;
  const [command, commandArgs] = limit === undefined ? [process.execPath, nodeArgs] : ["/bin/sh", ["-c", `ulimit -f ${limit} && exec "$0" "$@"`, process.execPath, ...nodeArgs]];
  const child = spawn(command, commandArgs, {
    env: { ...process.env, SYVAIN_METRICS_API_KEY: server.apiKey, SYVAIN_METRICS_HOST: server.host, ...options.env },
    stdio: ["pipe", fd ?? "pipe", "pipe"],
  });
  if (fd !== undefined) closeSync(fd);
  let stdout = "";
  let stderr = "";
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters) if (stdout.split("\n").includes(waiter.line)) waiter.resolve();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  // A hung child must fail the test, not the suite: kill it after a generous bound.
  const guard = setTimeout(() => child.kill("SIGKILL"), 45_000);
  const result = new Promise<ChildResult>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      if (file !== undefined) {
        stdout = readFileSync(file, "utf8");
        rmSync(join(file, ".."), { recursive: true, force: true });
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    result,
    printed: (line) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.split("\n").includes(line)) return resolve();
        waiters.push({ line, resolve });
        void result.then((r) => reject(new Error(`child ended before printing ${line}: ${JSON.stringify(r)}`)));
      }),
    stderrSoFar: () => stderr,
    kill: (signal) => child.kill(signal),
    write: (text) => child.stdin?.write(text),
  };
}
