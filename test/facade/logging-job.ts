/**
 * A child job that logs until it is killed and prints `logged <n...> <epoch ms>` after each burst
 * (the spool crash tests): the parent reads what was logged when, and kills it at a chosen moment.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { underHostname } from "../other-hostname.ts";

export interface LoggedLine {
  /** The line's counts, in order (e.g. steps, then notes). */
  counts: number[];
  /** When the child printed it (epoch ms). */
  at: number;
}

export interface LoggingJob {
  child: ChildProcess;
  lines: LoggedLine[];
  /** Resolves with the signal that ended the child. */
  closed: Promise<NodeJS.Signals | null>;
  stderr(): string;
  /** The last line printed at least `marginMs` before `killedAt`. */
  loggedBefore(killedAt: number, marginMs: number): LoggedLine | undefined;
}

/** `hostname`: run under that hostname (`unshare --uts`, as in another container of this machine; check `otherHostnameSupported`). */
export function startLoggingJob(fixture: string, args: readonly string[], env: NodeJS.ProcessEnv, options: { hostname?: string } = {}): LoggingJob {
  const nodeArgs = ["--conditions=syvain-source", fixture, ...args];
  const [command, commandArgs] = options.hostname === undefined ? [process.execPath, nodeArgs] : underHostname(options.hostname, process.execPath, nodeArgs);
  const child = spawn(command, commandArgs, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: LoggedLine[] = [];
  let stderr = "";
  let buffered = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const complete = buffered.split("\n");
    buffered = complete.pop() ?? "";
    for (const line of complete) {
      const numbers = line.split(" ").slice(1).map(Number);
      lines.push({ counts: numbers.slice(0, -1), at: numbers.at(-1) ?? 0 });
    }
  });
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, signal) => resolve(signal)));
  return {
    child,
    lines,
    closed,
    stderr: () => stderr,
    loggedBefore: (killedAt, marginMs) => lines.filter((l) => l.at <= killedAt - marginMs).at(-1),
  };
}
