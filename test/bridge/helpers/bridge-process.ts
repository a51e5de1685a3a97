/**
 * A real `syvain-otel bridge` child process for the tests and benches: started with the given
 * flags and environment, its JSON log lines collected, stopped by kill -9 or SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { underHostname } from "../../other-hostname.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

export interface BridgeChild {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything written on stderr so far. */
  stderr(): string;
  /** The JSON log lines so far. */
  lines(): Record<string, unknown>[];
  exited(): boolean;
  /** Sends `signal` and resolves with the exit code (null when ended by a signal). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `syvain-otel bridge --port 0 ...args`; resolves once it listens (rejects with its stderr if
 * it exits first). `fileSizeLimitKiB`: under `ulimit -f`, a write past that size fails with EFBIG
 * (Node ignores SIGXFSZ): a full disk without mounting one. `preload`: a module loaded first (`--import`).
 * `hostname`: run under that hostname (`unshare --uts`, as a container of this machine; check `otherHostnameSupported`).
 */
export async function spawnBridge(args: readonly string[], env: Record<string, string | undefined>, options: { fileSizeLimitKiB?: number; preload?: string; hostname?: string } = {}): Promise<BridgeChild> {
  const preload = options.preload === undefined ? [] : ["--import", options.preload];
  const nodeArgs = ["--conditions=syvain-source", ...preload, "src/cli/main.ts", "bridge", "--port", "0", ...args];
  const limit = options.fileSizeLimitKiB;
  const [limited, limitedArgs] = limit === undefined ? [process.execPath, nodeArgs] : ["/bin/sh", ["-c", `ulimit -f ${limit} && exec "$0" "$@"`, process.execPath, ...nodeArgs]];
  const [command, commandArgs] = options.hostname === undefined ? [limited, limitedArgs] : underHostname(options.hostname, limited, limitedArgs);
  const child = spawn(command, commandArgs, {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  let exited = false;
  void exit.then(() => (exited = true));
  while (!/"event":"listening"/.test(stderr)) {
    if (exited) throw new Error(`the bridge exited before listening:\n${stderr}`);
    await Promise.race([once(child.stderr, "data"), exit]);
  }
  return {
    url: /"url":"([^"]+)"/.exec(stderr)![1]!,
    pid: child.pid!,
    child,
    stderr: () => stderr,
    lines: () =>
      stderr
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited: () => exited,
    stop: async (signal) => {
      if (!exited) child.kill(signal);
      const [code] = await exit;
      return code;
    },
  };
}
