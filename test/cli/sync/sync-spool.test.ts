/**
 * `syvain-otel sync` on a real spool: a run logged offline by the facade in its own process (so the
 * writer is dead when sync runs), then the CLI against the emulator: every event stored once, the
 * run's final status applied, and a second sync sends nothing.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../src/testing/index.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
let emulator: Emulator;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ ui: false });
  dir = mkdtempSync(join(tmpdir(), "syvain-sync-spool-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

async function node(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--conditions=syvain-source", ...args], { cwd: root, env: { PATH: process.env.PATH ?? "", HOME: dir, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, stderr };
}

const OFFLINE_RUN = `
import { Collector } from "syvain-metrics-otel";
const collector = new Collector({ mode: "offline" });
const experiment = await collector.experiment("spool-sync-run", { meta: { lr: 0.1 } });
await experiment.run(() => {
  for (let step = 0; step < 250; step++) experiment.metric("loss", 1 / (step + 1), { step });
  experiment.annotation("offline run finished");
});
await collector.close();
`;

describe("syvain-otel sync of a spool directory", () => {
  it("delivers an offline run exactly once, applies its status, and a second sync sends nothing", async () => {
    const spoolDir = join(dir, "spool");
    const env = { SYVAIN_SPOOL_DIR: spoolDir, SYVAIN_METRICS_HOST: emulator.url };
    const logged = await node(["--input-type=module", "-e", OFFLINE_RUN], env);
    expect(logged).toMatchObject({ code: 0 });
    expect(emulator.store.experiment("spool-sync-run")).toBeUndefined(); // offline: nothing sent

    const withKey = { ...env, SYVAIN_METRICS_API_KEY: emulator.apiKey };
    const dry = await node(["src/cli/main.ts", "sync", "--dry-run"], withKey);
    expect(dry.code).toBe(0);
    expect(emulator.store.experiment("spool-sync-run")).toBeUndefined(); // a dry run sends nothing

    const first = await node(["src/cli/main.ts", "sync"], withKey);
    expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });
    expect(emulator.store.experiment("spool-sync-run")?.status).toBe("done");
    const steps = emulator.store.metrics("spool-sync-run").map((m) => m.step);
    expect(steps).toHaveLength(250);
    expect(new Set(steps).size).toBe(250);
    expect(emulator.store.annotations("spool-sync-run").map((a) => a.text)).toEqual(["offline run finished"]);

    const ingest = (): number => (emulator.counters.requests["ingestMetrics"] ?? 0) + (emulator.counters.requests["ingestAnnotations"] ?? 0);
    const before = ingest();
    const second = await node(["src/cli/main.ts", "sync"], withKey);
    expect(second.code).toBe(0);
    expect(ingest()).toBe(before);
  });
});
