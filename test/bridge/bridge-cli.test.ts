/**
 * `syvain-otel bridge`: flags over environment, validation with exit code 2, `--help`.
 * (Start, SIGTERM drain and exit 0 run in example-otel-collector.test.ts.)
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bridgeOptionsFromFlags, collectFlags } from "../../src/cli/bridge-command.ts";

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
    const flags = collectFlags(["--port=6000", "--path-prefix", "/otlp"], env);
    expect(flags).toMatchObject({ port: "6000", slug: "from-env", host: "http://127.0.0.1:9", "path-prefix": "/otlp", "api-key": "ak_x", "auth-token": "t".repeat(20) });
  });

  it("maps flags onto createBridge options", () => {
    expect(bridgeOptionsFromFlags({ port: 0, bind: "0.0.0.0", host: "http://127.0.0.1:9", "api-key": "ak_x", "max-queue-items": 50, slug: "s" })).toEqual({
      host: "0.0.0.0",
      port: 0,
      syvain: { apiKey: "ak_x", host: "http://127.0.0.1:9", slug: "s", maxQueueItems: 50 },
    });
    expect(bridgeOptionsFromFlags({ jsonl: "/tmp/x.jsonl", "api-key": "ak_x" }).syvain).toEqual({ jsonlPath: "/tmp/x.jsonl" });
  });

  it("exits 2 with a message naming the option; secrets are not flags", () => {
    const badPort = cli(["--port", "http"]);
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(/invalid option `port`.*"http"/);
    const both = cli(["--jsonl", "/tmp/x.jsonl", "--host", "http://127.0.0.1:1"]);
    expect([both.status, both.stderr]).toEqual([2, expect.stringContaining("--jsonl or --host")]);
    const key = cli(["--api-key", "ak_secret_value"]);
    expect(key.status).toBe(2);
    expect(key.stderr).toContain("secrets come from the environment");
    expect(key.stderr).not.toContain("ak_secret_value");
    const shortToken = cli([], { SYVAIN_BRIDGE_AUTH_TOKEN: "tiny-secret" });
    expect(shortToken.status).toBe(2);
    expect(shortToken.stderr).not.toContain("tiny-secret");
  });

  it("--help lists every flag with its environment variable", () => {
    const help = cli(["--help"]);
    expect(help.status).toBe(0);
    for (const line of ["--bind", "SYVAIN_BRIDGE_BIND", "--port", "--host", "SYVAIN_METRICS_HOST", "--jsonl", "--slug", "--max-queue-items", "--shutdown-timeout", "SYVAIN_METRICS_API_KEY", "SYVAIN_BRIDGE_AUTH_TOKEN"]) {
      expect(help.stdout).toContain(line);
    }
  });
});
