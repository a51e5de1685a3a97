import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiPaths } from "../../src/api/contract.ts";

const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

function startCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ["--conditions=syvain-source", main, "emulator", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SYVAIN_EMULATOR_API_KEY: "", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = once(child, "exit") as Promise<[number | null, string | null]>;
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", () => {
      const match = /SYVAIN_METRICS_HOST=(\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`exited early: ${stderr}`)));
  });
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syvain-cli-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("syvain-otel emulator", () => {
  it("starts, prints host and key, serves the API and saves on SIGTERM (exit 0), keeping data across restarts", async () => {
    const dataFile = join(dir, "cli.json");
    const first = startCli(["--port", "0", "--data-file", dataFile]);
    const url = await first.url;
    expect(first.output().stdout).toContain("SYVAIN_METRICS_API_KEY=ak_org_emulator");
    const headers = { authorization: "Bearer ak_org_emulator", "content-type": "application/json", "idempotency-key": "k" };
    const created = await fetch(url + apiPaths.experiments(), { method: "POST", headers, body: JSON.stringify({ slug: "from-cli" }) });
    expect(created.status).toBe(201);
    first.child.kill("SIGTERM");
    expect((await first.exited)[0]).toBe(0);
    expect(await readFile(dataFile, "utf8")).toContain("from-cli");

    const second = startCli([`--data-file=${dataFile}`, "--api-key", "ak_org_a", "--api-key", "ak_org_b"]);
    const url2 = await second.url;
    expect(second.output().stdout).not.toContain("ak_org_a");
    const got = await fetch(url2 + apiPaths.experiment("from-cli"), { headers: { authorization: "Bearer ak_org_b" } });
    expect(got.status).toBe(200);
    const refused = await fetch(url2 + apiPaths.experiment("from-cli"), { headers: { authorization: "Bearer ak_org_emulator" } });
    expect(refused.status).toBe(401);
    second.child.kill("SIGINT");
    expect((await second.exited)[0]).toBe(0);
  });

  it("takes the key from SYVAIN_EMULATOR_API_KEY (kept out of ps), without printing it; --api-key wins", async () => {
    const status = async (url: string, key: string): Promise<number> =>
      (await fetch(url + apiPaths.experiment("none"), { headers: { authorization: `Bearer ${key}` } })).status;
    const fromEnv = startCli([], { SYVAIN_EMULATOR_API_KEY: "ak_org_from_env_fake" });
    const url = await fromEnv.url;
    expect(await status(url, "ak_org_from_env_fake")).toBe(404);
    expect(await status(url, "ak_org_emulator")).toBe(401);
    expect(fromEnv.output().stdout).toContain("SYVAIN_METRICS_API_KEY=<the key in SYVAIN_EMULATOR_API_KEY>");
    expect(fromEnv.output().stdout).not.toContain("ak_org_from_env_fake");
    fromEnv.child.kill("SIGTERM");
    expect((await fromEnv.exited)[0]).toBe(0);

    const both = startCli(["--api-key", "ak_org_from_flag_fake"], { SYVAIN_EMULATOR_API_KEY: "ak_org_from_env_fake" });
    const url2 = await both.url;
    expect(await status(url2, "ak_org_from_flag_fake")).toBe(404);
    expect(await status(url2, "ak_org_from_env_fake")).toBe(401);
    both.child.kill("SIGTERM");
    expect((await both.exited)[0]).toBe(0);
  });

  it("writes its data file readable by the owner only", async () => {
    const dataFile = join(dir, "private.json");
    await writeFile(dataFile, JSON.stringify({ version: 1, folders: [], experiments: [], idempotency: [] }), { mode: 0o644 });
    await chmod(dataFile, 0o644);
    const run = startCli(["--data-file", dataFile]);
    await run.url;
    // Saved at start, so a file that existed with wider permissions is already tightened.
    expect((await stat(dataFile)).mode & 0o777).toBe(0o600);
    run.child.kill("SIGTERM");
    // [code, signal] and stderr in the failure: a signal here means the child died without saving.
    expect({ exit: await run.exited, stderr: run.output().stderr }).toEqual({ exit: [0, null], stderr: "" });
    expect((await stat(dataFile)).mode & 0o777).toBe(0o600);
  });

  it("fails ingest requests at random with --fault-rate and counts them in /_emulator/stats", async () => {
    const run = startCli(["--fault-rate", "1", "--fault-seed", "7"]);
    const url = await run.url;
    const headers = { authorization: "Bearer ak_org_emulator", "content-type": "application/json" };
    const created = await fetch(url + apiPaths.experiments(), { method: "POST", headers: { ...headers, "idempotency-key": "c" }, body: JSON.stringify({ slug: "f" }) });
    expect(created.status).toBe(201);
    const { experiment } = (await created.json()) as { experiment: { id: string } };
    const body = JSON.stringify({ metrics: [{ client_event_id: "a", name: "loss", value: 1, step: 0, timestamp: 1, metadata: {} }] });
    const status = await fetch(url + apiPaths.experimentMetrics(experiment.id), { method: "POST", headers: { ...headers, "idempotency-key": "i" }, body }).then(
      (r) => r.status,
      () => "reset",
    );
    expect(status).not.toBe(200);
    const stats = (await (await fetch(`${url}/_emulator/stats`, { headers })).json()) as { counters: { faultsInjected: number } };
    expect(stats.counters.faultsInjected).toBe(1);
    run.child.kill("SIGTERM");
    expect((await run.exited)[0]).toBe(0);
  });

  it("rejects bad flags with exit code 2 and a message naming the flag and value", async () => {
    for (const [args, pattern] of [
      [["--port", "http"], /port.*"http"/],
      [["--fault-rate", "2"], /fault-rate.*"2"/],
      [["--nope"], /unknown option '--nope'/],
    ] as const) {
      const run = startCli([...args]);
      run.url.catch(() => undefined);
      expect((await run.exited)[0]).toBe(2);
      expect(run.output().stderr).toMatch(pattern);
    }
  });

  it("prints help", async () => {
    const run = startCli(["--help"]);
    run.url.catch(() => undefined);
    expect((await run.exited)[0]).toBe(0);
    expect(run.output().stdout).toContain("--data-file");
    expect(run.output().stdout).toContain("SYVAIN_EMULATOR_API_KEY");
  });
});
