/**
 * Without a spool (`--spool-dir off`), accepted data that is still undelivered when the bridge stops dies with the
 * process: a real `syvain-otel bridge` child, Syvain hanging after the first delivery, SIGTERM →
 * exit code 3 and an `error` line naming how many events were lost. Data delivered in time
 * exits 0, as before.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EXIT_DATA_LOST } from "../../src/cli/bridge-command.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
let emulator: Emulator;

beforeEach(async () => {
  emulator = await startEmulator();
});

afterEach(async () => {
  await emulator.close();
});

async function runBridge(send: (url: string) => Promise<void>): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  const child = spawn(process.execPath, ["--conditions=syvain-source", "src/cli/main.ts", "bridge", "--port", "0", "--syvain-host", emulator.url, "--shutdown-timeout", "1", "--spool-dir", "off"], {
    cwd: root,
    env: { PATH: process.env.PATH, SYVAIN_METRICS_API_KEY: EMULATOR_API_KEY },
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, "exit") as Promise<[number | null]>;
    await vi.waitFor(() => expect(stderr).toContain('"event":"listening"'), { timeout: 15_000 });
    await send(/"url":"([^"]+)"/.exec(stderr)![1]!);
    child.kill("SIGTERM");
    const [code] = await exited;
    const lines = stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { code, lines };
  } finally {
    child.kill("SIGKILL");
  }
}

describe("syvain-otel bridge exit without a spool", () => {
  it("exits 3 and logs the loss at error when accepted events are still undelivered", async () => {
    const { code, lines } = await runBridge(async (url) => {
      // The experiment is created and a first point delivered while Syvain answers...
      expect((await post(`${url}/v1/metrics`, gaugeSteps("exit-loss", 0, 1), JSON_TYPE)).status).toBe(200);
      await vi.waitFor(() => expect(emulator.stats().experiments[0]?.metrics).toBe(1), { timeout: 10_000 });
      // ...then it hangs: 50 more points are accepted (200) but cannot be delivered.
      emulator.faults.random("ingestMetrics", { rate: 1, mix: [{ delayMs: 60_000 }] });
      expect((await post(`${url}/v1/metrics`, gaugeSteps("exit-loss", 1, 51), JSON_TYPE)).status).toBe(200);
    });
    expect(code).toBe(EXIT_DATA_LOST);
    expect(lines.find((line) => line.event === "shutdown.lost")).toMatchObject({ level: "error", lost: 50 });
  });

  it("exits 0 when everything accepted was delivered", async () => {
    const { code, lines } = await runBridge(async (url) => {
      expect((await post(`${url}/v1/metrics`, gaugeSteps("exit-clean", 0, 20), JSON_TYPE)).status).toBe(200);
    });
    expect(code).toBe(0);
    expect(lines.some((line) => line.event === "shutdown.lost")).toBe(false);
    expect(emulator.stats().experiments.find((e) => e.slug === "exit-clean")?.metrics).toBe(20);
  });
});
