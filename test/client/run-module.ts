/** Runs a script as an ES module (top-level await allowed) in a child Node that loads `src` from source. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ModuleOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runModule(script: string, env: NodeJS.ProcessEnv = process.env): Promise<ModuleOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=syvain-source", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // A generous bound so a hung child fails its test instead of the suite.
    const killer = setTimeout(() => child.kill("SIGKILL"), 40_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}
