/**
 * examples/otel-collector: the no-Docker flow (app → `syvain-otel bridge` process → emulator) runs
 * and checks its own delivery; the Docker files pin their images and wire what the README says.
 * (Docker itself does not run here, so the compose file is only checked as text.)
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../../", import.meta.url));
const example = (file: string) => readFileSync(new URL(`../../examples/otel-collector/${file}`, import.meta.url), "utf8");

describe("examples/otel-collector", () => {
  it("run-local.ts: app → bridge (CLI, SIGTERM drain) → emulator delivers every step and log record once", async () => {
    const child = spawn(process.execPath, ["--conditions=syvain-source", "examples/otel-collector/run-local.ts"], {
      cwd: root,
      env: { ...process.env, STEPS: "120", EXPERIMENT_SLUG: "example-test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    expect({ code, tail: stdout.slice(-600) }).toMatchObject({ code: 0 });
    expect(stdout).toContain("OK: 120 steps");
    // The bridge process logged JSON lines only, including its drain on SIGTERM, and exited 0.
    const bridgeLines = stderr.split("\n").filter((line) => line.startsWith("[bridge] ")).map((line) => JSON.parse(line.slice(9)) as { event: string });
    expect(bridgeLines.map((e) => e.event)).toEqual(expect.arrayContaining(["listening", "request", "signal", "shutdown.start", "shutdown.done", "shutdown.spooled"]));
    expect(stderr).not.toContain("ak_org_emulator");
  });

  it("collector.yaml wires both pipelines through memory_limiter and batch to the bridge with gzip, retries and a queue", () => {
    const config = example("collector.yaml");
    for (const pipeline of ["metrics", "logs"]) {
      expect(config).toMatch(new RegExp(`${pipeline}:\\s*\\n\\s*receivers: \\[otlp\\]\\s*\\n\\s*processors: \\[memory_limiter, batch\\]\\s*\\n\\s*exporters: \\[otlphttp/syvain\\]`));
    }
    expect(config).toMatch(/compression: gzip/);
    expect(config).toMatch(/retry_on_failure:\s*\n\s*enabled: true/);
    expect(config).toMatch(/sending_queue:\s*\n\s*enabled: true/);
    expect(config).toMatch(/endpoint: http:\/\/bridge:4318/);
  });

  it("docker-compose.yml pins every image and runs the four services", () => {
    const compose = example("docker-compose.yml");
    const images = [...compose.matchAll(/image: (\S+)/g)].map((m) => m[1]!);
    expect(images).toEqual(["node:24.9.0-bookworm-slim", "otel/opentelemetry-collector-contrib:0.155.0"]);
    for (const service of ["emulator", "bridge", "collector", "app"]) expect(compose).toMatch(new RegExp(`^  ${service}:`, "m"));
  });

  it("docker-compose.yml gives the bridge a named volume for its spool, and the spool lives on it", () => {
    const compose = parse(example("docker-compose.yml")) as { services: { bridge: { volumes: string[]; environment: Record<string, string> } }; volumes: Record<string, unknown> };
    const named = compose.services.bridge.volumes.filter((v) => v.split(":")[0]! in compose.volumes);
    expect(named.map((v) => v.split(":")[0])).toEqual(["bridge-spool"]);
    expect(compose.services.bridge.environment.SYVAIN_BRIDGE_SPOOL_DIR).toBe(named[0]!.split(":")[1]);
  });
});
