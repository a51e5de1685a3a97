/**
 * Runs `examples/bridge.ts` (the README's programmatic bridge sample) as a user would: a Node
 * process with the key and host of an emulator in its environment. It must store every step once,
 * with the resource attributes as experiment metadata.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "syvain-metrics-otel/testing";

const root = join(import.meta.dirname, "../..");
const run = promisify(execFile);
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe("examples/bridge.ts", () => {
  it("delivers every step through the bridge exactly once", async () => {
    const { stdout } = await run(process.execPath, ["--conditions=syvain-source", join(root, "examples/bridge.ts")], {
      cwd: root,
      env: { ...process.env, SYVAIN_METRICS_API_KEY: emulator.apiKey, SYVAIN_METRICS_HOST: emulator.url },
      timeout: 60_000,
    });
    expect(stdout).toContain("bridge closed");
    expect(emulator.store.experiment("bert-finetune")?.metadata).toMatchObject({ config: { lr: 3e-5 }, service: { name: "bert-finetune" } });
    const steps = emulator.store.metrics("bert-finetune", { name: "loss" }).map((event) => event.step);
    expect([...steps].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(emulator.store.metrics("bert-finetune", { name: "loss" }).every((e) => e.metadata.split === "train")).toBe(true);
  });
});
