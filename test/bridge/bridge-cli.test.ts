/**
 * `syvain-otel bridge`: flags over environment, validation with exit code 2, `--help`.
 * (Start, SIGTERM drain and exit 0 run in example-otel-collector.test.ts.)
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { bridgeOptionsFromFlags, readFlags } from "../../src/cli/bridge-command.ts";
import { defaultBridgeSpoolDir } from "../../src/config/spool-defaults.ts";
import { gaugeSteps } from "./helpers/http.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["--conditions=syvain-source", "src/cli/main.ts", "bridge", ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });

describe("syvain-otel bridge flags", () => {
  it("reads the environment and lets flags win", () => {
    const env = { SYVAIN_BRIDGE_PORT: "5000", SYVAIN_BRIDGE_SLUG: "from-env", SYVAIN_METRICS_HOST: "http://127.0.0.1:9", SYVAIN_METRICS_API_KEY: "ak_x", SYVAIN_BRIDGE_AUTH_TOKEN: "t".repeat(20) };
    const { values, sources } = readFlags(["--port=6000", "--path-prefix", "/otlp"], env);
    expect(values).toMatchObject({ port: "6000", slug: "from-env", "syvain-host": "http://127.0.0.1:9", "path-prefix": "/otlp", "api-key": "ak_x", "auth-token": "t".repeat(20) });
    expect(sources).toMatchObject({ port: "--port", slug: "SYVAIN_BRIDGE_SLUG", "auth-token": "SYVAIN_BRIDGE_AUTH_TOKEN" });
  });

  it("--jsonl with SYVAIN_METRICS_HOST only in the environment starts (only an explicit --syvain-host conflicts)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bridge-jsonl-env-"));
    const child = spawn(process.execPath, ["--conditions=syvain-source", "src/cli/main.ts", "bridge", "--port", "0", "--jsonl", join(dir, "out.jsonl")], {
      cwd: root,
      env: { PATH: process.env.PATH, SYVAIN_METRICS_HOST: "http://127.0.0.1:9" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
      await vi.waitFor(() => expect(stderr).toMatch(/"event":"listening".*"destination":"jsonl"/), { timeout: 10_000 });
      child.kill("SIGTERM");
      expect((await exited)[0]).toBe(0);
    } finally {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes --host as a deprecated spelling of --syvain-host, with a notice", () => {
    const { values, notices } = readFlags(["--host", "http://127.0.0.1:9"], {});
    expect(values).toEqual({ "syvain-host": "http://127.0.0.1:9" });
    expect(notices).toEqual(["syvain-otel bridge: --host is deprecated and will be removed; use --syvain-host"]);
  });

  it("maps flags onto createBridge options", () => {
    expect(bridgeOptionsFromFlags({ port: 0, bind: "0.0.0.0", "syvain-host": "http://127.0.0.1:9", "api-key": "ak_x", "max-queue-items": 50, slug: "s" })).toEqual({
      host: "0.0.0.0",
      port: 0,
      spoolDir: defaultBridgeSpoolDir(),
      syvain: { apiKey: "ak_x", host: "http://127.0.0.1:9", slug: "s", maxQueueItems: 50 },
    });
    expect(bridgeOptionsFromFlags({ jsonl: "/tmp/x.jsonl", "api-key": "ak_x" })).toMatchObject({ spoolDir: false, syvain: { jsonlPath: "/tmp/x.jsonl" } });
    expect(bridgeOptionsFromFlags({ "api-key": "ak_x", "experiment-idle": 90 }).syvain).toMatchObject({ experimentIdleSeconds: 90 });
    expect(readFlags([], { SYVAIN_BRIDGE_EXPERIMENT_IDLE: "600" }).values).toMatchObject({ "experiment-idle": "600" });
  });

  it("spools by default; --spool-dir off (or SYVAIN_BRIDGE_SPOOL_DIR=off) is memory only", () => {
    expect(bridgeOptionsFromFlags({ "api-key": "ak_x", "spool-dir": "/data/spool", "spool-max-bytes": 1 << 24, "spool-sync-ms": 5 })).toMatchObject({ spoolDir: "/data/spool", spoolMaxBytes: 1 << 24, spoolSyncMs: 5 });
    expect(bridgeOptionsFromFlags({ "api-key": "ak_x", "spool-dir": "off" }).spoolDir).toBe(false);
    expect(readFlags([], { SYVAIN_BRIDGE_SPOOL_DIR: "off" }).values).toMatchObject({ "spool-dir": "off" });
  });

  it("exits 2 with a message naming the flag or variable and what to type; secrets are not flags", () => {
    const key = { SYVAIN_METRICS_API_KEY: "ak_org_emulator" };
    const badPort = cli(["--port", "http"], key);
    expect([badPort.status, badPort.stderr.trim()]).toEqual([2, 'syvain-otel bridge: --port "http" (string): must be a whole number from 0 to 65535; e.g. --port 4318']);
    const envPort = cli([], { ...key, SYVAIN_BRIDGE_PORT: "-1" });
    expect(envPort.stderr).toContain('SYVAIN_BRIDGE_PORT "-1" (string): must be a whole number from 0 to 65535');
    // A negative number is the flag's value (util.parseArgs alone reads `-1` as an option), so the
    // message is the allowed range, as with `--spool-sync-ms=-1`.
    for (const argv of [["--spool-sync-ms", "-1"], ["--spool-sync-ms=-1"]]) {
      const negative = cli(argv, key);
      expect([negative.status, negative.stderr.trim()]).toEqual([2, 'syvain-otel bridge: --spool-sync-ms "-1" (string): must be a whole number from 0 to 60000; e.g. --spool-sync-ms 0']);
    }
    // A whole number out of range is told the range only, byte sizes in MiB too (review 14: "1048576: must be a whole number, at least 8388608").
    const small = cli(["--spool-max-bytes", "1048576"], key);
    expect([small.status, small.stderr]).toEqual([2, expect.stringContaining('--spool-max-bytes "1048576" (string): must be at least 8 MiB (8388608)')]);
    expect(cli(["--shutdown-timeout", "-0.5"], key).stderr).toContain("--shutdown-timeout");
    expect(cli(["--shutdown-timeout", "-0.5"], key).stderr).not.toContain("needs a value");
    const noValue = cli(["--port"], key);
    expect([noValue.status, noValue.stderr]).toEqual([2, expect.stringContaining("option --port needs a value, e.g. --port 4318")]);
    const unknown = cli(["--prot", "1"], key);
    expect([unknown.status, unknown.stderr]).toEqual([2, expect.stringContaining("unknown option '--prot' (see 'syvain-otel bridge --help')")]);
    const both = cli(["--jsonl", "/tmp/x.jsonl", "--syvain-host", "http://127.0.0.1:1"], key);
    expect([both.status, both.stderr]).toEqual([2, expect.stringContaining("give --jsonl FILE or --syvain-host URL, not both")]);
    const flagKey = cli(["--api-key", "ak_secret_value"]);
    expect(flagKey.status).toBe(2);
    expect(flagKey.stderr).toContain("secrets come from the environment only; set SYVAIN_METRICS_API_KEY");
    expect(flagKey.stderr).not.toContain("ak_secret_value");
    const noKey = cli([]);
    expect([noKey.status, noKey.stderr]).toEqual([2, expect.stringContaining("no API key: set SYVAIN_METRICS_API_KEY")]);
    expect(noKey.stderr).not.toContain("`apiKey`");
    const shortToken = cli([], { ...key, SYVAIN_BRIDGE_AUTH_TOKEN: "tiny-secret" });
    expect(shortToken.status).toBe(2);
    expect(shortToken.stderr.trim()).toBe("syvain-otel bridge: SYVAIN_BRIDGE_AUTH_TOKEN: must be at least 16 characters");
    for (const run of [badPort, envPort, noValue, unknown, shortToken]) expect(run.stderr).not.toMatch(/Invalid input|invalid option `/);
  });

  it("--help lists every flag with its environment variable", () => {
    const help = cli(["--help"]);
    expect(help.status).toBe(0);
    for (const line of ["--bind ADDR", "SYVAIN_BRIDGE_BIND", "--port N", "(default 4318)", "--syvain-host URL", "SYVAIN_METRICS_HOST", "--jsonl FILE", "--slug SLUG", "--max-queue-items N", "(default 100000)", "--shutdown-timeout SECONDS", "SYVAIN_METRICS_API_KEY", "SYVAIN_BRIDGE_AUTH_TOKEN"]) {
      expect(help.stdout).toContain(line);
    }
    // Deprecated and environment-only names are not offered as flags.
    expect(help.stdout).not.toMatch(/--host|--api-key|--auth-token/);
  });
});

describe("syvain-otel bridge signals", () => {
  it("a second signal while draining ends the process by that signal (not a made-up exit code)", async () => {
    // A "Syvain" that accepts connections and never answers: the request in flight keeps the drain waiting.
    const sockets: Socket[] = [];
    const hung = createServer((socket) => sockets.push(socket));
    hung.listen(0, "127.0.0.1");
    await once(hung, "listening");
    const hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    const child = spawn(
      process.execPath,
      ["--conditions=syvain-source", "src/cli/main.ts", "bridge", "--port", "0", "--syvain-host", hungUrl, "--answer-timeout", "60", "--shutdown-timeout", "60", "--spool-dir", "off"],
      { cwd: root, env: { PATH: process.env.PATH, SYVAIN_METRICS_API_KEY: "ak_org_emulator" }, stdio: ["ignore", "ignore", "pipe"] },
    );
    try {
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
      await vi.waitFor(() => expect(stderr).toContain('"event":"listening"'), { timeout: 10_000 });
      const bridgeUrl = /"url":"([^"]+)"/.exec(stderr)![1]!;
      // The startup key check has its own (timed out) connection: wait for the export's.
      const beforeExport = sockets.length;
      const pending = fetch(`${bridgeUrl}/v1/metrics`, { method: "POST", headers: { "content-type": "application/json" }, body: gaugeSteps("hung", 0, 3) }).catch(() => undefined);
      await vi.waitFor(() => expect(sockets.length).toBeGreaterThan(beforeExport), { timeout: 10_000 });
      child.kill("SIGTERM");
      await vi.waitFor(() => expect(stderr).toContain('"event":"shutdown.start"'), { timeout: 10_000 });
      child.kill("SIGTERM");
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: null, signal: "SIGTERM" });
      await pending;
    } finally {
      child.kill("SIGKILL");
      for (const socket of sockets) socket.destroy();
      hung.close();
    }
  });
});
