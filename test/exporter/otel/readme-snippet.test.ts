/**
 * Runs `examples/otel-sdk.ts` — shown whole in `docs/otel.md` and in part in the README (that it
 * matches is test/readme/readme-samples.test.ts's job) — as a user would (a Node process with the
 * key and host in the environment), against the emulator, and checks what it stored.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { EMULATOR_API_KEY } from "syvain-metrics-otel/testing";
import { withEmulator } from "./helpers.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const examplePath = `${root}examples/otel-sdk.ts`;
const run = promisify(execFile);

describe("examples/otel-sdk.ts", () => {
  it("runs against the emulator and stores every point once", async () => {
    await withEmulator(async (emulator) => {
      const { stdout } = await run(process.execPath, ["--conditions=syvain-source", examplePath], {
        cwd: root,
        env: { ...process.env, SYVAIN_METRICS_API_KEY: EMULATOR_API_KEY, SYVAIN_METRICS_HOST: emulator.url },
        timeout: 60_000,
      });
      const experiment = emulator.store.experiment("resnet50-baseline");
      expect(experiment?.metadata).toMatchObject({ config: { lr: 0.1, batch_size: 256 } });
      const loss = emulator.store.metrics("resnet50-baseline", { name: "loss" });
      expect(loss.map((event) => event.step).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      const totals = emulator.store.metrics("resnet50-baseline", { name: "samples_seen" }).map((event) => event.value);
      expect(totals.at(-1)).toBe(256 * 1000);
      expect(emulator.store.annotations("resnet50-baseline").map((a) => a.text)).toEqual([0, 250, 500, 750].map((s) => `checkpoint saved at step ${s}`));
      expect(emulator.counters.duplicatesSuppressed).toBe(0);
      expect(stdout).toContain(`resnet50-baseline: ${1000 + totals.length} metric points and 4 annotations stored, 0 not delivered, 0 failed exports`);
    });
  });

  it("exits 1 and says so when everything is lost (a key Syvain rejects)", async () => {
    await withEmulator(async (emulator) => {
      const outcome = await run(process.execPath, ["--conditions=syvain-source", examplePath], {
        cwd: root,
        env: { ...process.env, SYVAIN_METRICS_API_KEY: "ak_rejected_by_the_emulator", SYVAIN_METRICS_HOST: emulator.url },
        timeout: 60_000,
      }).then(
        () => ({ code: 0, stdout: "", stderr: "" }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(outcome.code).toBe(1);
      expect(outcome.stdout).toMatch(/resnet50-baseline: 0 metric points and 0 annotations stored, \d+ not delivered, [1-9]\d* failed exports/);
      expect(outcome.stderr).toContain("SyvainDeliveryWarning");
      expect(outcome.stderr).not.toContain("ak_rejected_by_the_emulator");
    });
  });
});
