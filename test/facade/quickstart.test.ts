/**
 * The README's first commands: examples/quickstart.ts (the Python SDK's Basic Usage) against the
 * emulator, and `npm run demo` (examples/demo.ts) on a machine with no key and no network.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";

const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

function run(file: string, env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--conditions=syvain-source", file], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const guard = setTimeout(() => child.kill("SIGKILL"), 50_000);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe("examples", () => {
  it("quickstart.ts stores exactly 1,000 train loss points (steps 0–999), the annotation, the meta and status done", async () => {
    const result = await run(example("quickstart.ts"), {
      SYVAIN_METRICS_API_KEY: emulator.apiKey,
      SYVAIN_METRICS_HOST: emulator.url,
      QUICKSTART_SLUG: "mamba-run-001",
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const experiment = emulator.store.experiment("mamba-run-001");
    expect(experiment).toMatchObject({
      status: "done",
      description: "Baseline mamba training run",
      metadata: { model: "mamba", dataset: "internal-v1", seed: 7 },
    });
    const train = emulator.store.metrics("mamba-run-001", { name: "loss" }).filter((m) => m.metadata.split === "train");
    expect(train).toHaveLength(1000);
    expect(train.map((m) => m.step).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (const point of train) expect(point.value).toBeCloseTo(1 / (point.step! + 1), 12);
    expect(emulator.store.annotations("mamba-run-001")).toMatchObject([
      { text: "saved checkpoint", metadata: { path: "checkpoints/mamba-run-001/step-999.pt" } },
    ]);
    expect(emulator.counters.duplicatesSuppressed).toBe(0);
  });

  it("npm run demo: without a key it runs the quickstart on an in-process emulator and charts the loss", async () => {
    const result = await run(example("demo.ts"), { SYVAIN_METRICS_API_KEY: undefined, SYVAIN_METRICS_HOST: undefined });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Syvain emulator at http://127.0.0.1:");
    expect(result.stdout).toMatch(/status=done/);
    expect(result.stdout).toMatch(/loss \{"split":"train"\}: 1000 points, steps 0–999/);
    expect(result.stdout).toContain('annotation  "saved checkpoint"');
    const chart = result.stdout.split("\n").filter((line) => line.includes("┤"));
    expect(chart).toHaveLength(15);
    for (const line of chart) expect(line.slice(line.indexOf("┤") + 1)).toHaveLength(60);
  });
});
