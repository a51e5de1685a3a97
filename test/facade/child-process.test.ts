/**
 * Process hooks in real child processes: signals, uncaught errors, normal exit and an unreachable
 * server, against an emulator on a loopback port started by the test.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { spawnFixture } from "./child-runner.ts";

const fixture = fileURLToPath(new URL("./fixtures/job.ts", import.meta.url));
const runJob = (mode: string, slug: string, host: string, apiKey: string) => spawnFixture(fixture, [mode, slug], { host, apiKey });

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

function expectDelivered(slug: string, status: "done" | "failed"): void {
  const stored = emulator.store.experiment(slug);
  expect(stored?.status).toBe(status);
  const steps = emulator.store.metrics(slug, { name: "loss" }).map((m) => m.step);
  expect(steps).toEqual(Array.from({ length: 50 }, (_, i) => i));
  expect(emulator.store.annotations(slug)).toHaveLength(1);
}

describe("process hooks in a child process", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("%s during run(): status failed, queued data delivered, the child dies by that signal", async (signal) => {
    const slug = `child-${signal.toLowerCase()}`;
    const child = runJob("wait", slug, emulator.url, emulator.apiKey);
    await child.printed("ready");
    child.kill(signal);
    const result = await child.result;
    expect(result.signal).toBe(signal);
    expect(result.code).toBeNull();
    expectDelivered(slug, "failed");
  });

  it.each([
    ["an uncaught exception", "throw", "Error: boom from a timer"],
    ["an unhandled rejection", "reject", "Error: rejected and never handled"],
  ])("%s during run(): failed, data delivered, the error printed, exit code 1", async (_label, mode, printed) => {
    const slug = `child-${mode}`;
    const result = await runJob(mode, slug, emulator.url, emulator.apiKey).result;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(printed);
    expectDelivered(slug, "failed");
  });

  it("an idle finished job exits by itself with code 0 and no timer left", async () => {
    const child = runJob("finish", "child-finish", emulator.url, emulator.apiKey);
    const result = await child.result;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const resources = JSON.parse(/resources (.*)/.exec(result.stdout)![1]!) as string[];
    expect(resources).not.toContain("Timeout");
    expectDelivered("child-finish", "done");
  });

  it("with the server unreachable the process still exits, and says delivery is incomplete", async () => {
    const own = await startEmulator();
    const child = runJob("wait-stdin", "child-unreachable", own.url, own.apiKey);
    await child.printed("created");
    await own.close();
    child.write("go\n");
    const result = await child.result;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("SyvainDeliveryWarning");
    expect(result.stderr).toMatch(/50 pending metrics/);
  });
});
