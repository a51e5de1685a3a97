/**
 * Exit deadlines against a server that never answers (issue 10, item 2), and the synchronous loss
 * report on signals and uncaught errors (item 3), in real child processes. Small configured
 * deadlines (1 s) keep the tests short; what is asserted is that the child exits by itself (the
 * runner SIGKILLs it after 45 s, far beyond the deadline plus the 60 s-less margin it should need)
 * and that every hung request was aborted (the server saw its socket close), never a duration.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { spawnFixture } from "./child-runner.ts";
import { startHangingServer, type HangingServer } from "./hanging-server.ts";

const hangJob = fileURLToPath(new URL("./fixtures/hang-job.ts", import.meta.url));
const job = fileURLToPath(new URL("./fixtures/job.ts", import.meta.url));
const DEADLINE = "1";

let server: HangingServer;
beforeAll(async () => {
  server = await startHangingServer();
});
afterAll(async () => {
  await server.close();
});

/** Every request the server left hanging was aborted by the client before it exited. */
function expectAllAborted(before: { hung: number; aborted: number }): void {
  const hung = server.hung - before.hung;
  expect(hung).toBeGreaterThan(0);
  expect(server.aborted - before.aborted).toBe(hung);
}

const snapshot = (): { hung: number; aborted: number } => ({ hung: server.hung, aborted: server.aborted });

/** The one-line synchronous report: names the experiment and how many events of each kind were not delivered. */
function expectLossReport(stderr: string, slug: string): void {
  const line = stderr.split("\n").find((l) => l.includes(`experiment "${slug}"`) && l.includes("not delivered"));
  expect(line, stderr).toBeDefined();
  expect(line).toMatch(/50 metrics/);
  expect(line).toMatch(/1 annotations/);
}

describe("exit deadlines with uploads that hang", () => {
  // "quiet" (metric() without run(), then the script ends): the hung uploads keep the loop alive,
  // so `beforeExit` would wait for their request timeout; the exit watchdog starts the net instead.
  // stdout as a pipe and as a file: stdio handles must not count as the program still at work.
  it.each([
    ["a run() block, then the script ends", "run-end", "pipe"],
    ["metric() without run(), then the script ends (stdout a pipe)", "quiet", "pipe"],
    ["metric() without run(), then the script ends (stdout a file)", "quiet", "file"],
  ] as const)("%s: the process exits by itself at the deadline, the hung uploads aborted, the loss reported", async (_label, mode, stdout) => {
    const before = snapshot();
    const result = await spawnFixture(hangJob, [mode, `hang-${mode}-${stdout}`, DEADLINE], server, { stdout }).result;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("SyvainDeliveryWarning");
    expect(result.stderr).toMatch(/50 pending metrics/);
    expectAllAborted(before);
  });

  it("metric() without run() while the script's own timer still runs: no early flush, the net comes once the script is done", async () => {
    const before = snapshot();
    const result = await spawnFixture(hangJob, ["busy", "hang-busy", DEADLINE], server).result;
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n").filter((line) => line.startsWith("warning") || line === "script done")).toEqual(["script done", "warning after the script"]);
    expectAllAborted(before);
  });

  it("flushOrRaise({ timeoutSeconds }) raises at its deadline and aborts the uploads in flight", async () => {
    const before = snapshot();
    const result = await spawnFixture(hangJob, ["raise", "hang-raise", DEADLINE], server).result;
    expect(result.stdout).toContain("raised delivery_incomplete");
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expectAllAborted(before);
  });
});

describe("the loss report on a signal or an uncaught error", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("%s while uploads hang: one stderr line names the slug and counts, then death by that signal", async (signal) => {
    const slug = `hang-${signal.toLowerCase()}`;
    const child = spawnFixture(hangJob, ["wait", slug, DEADLINE], server);
    await child.printed("ready");
    child.kill(signal);
    const result = await child.result;
    expect(result.signal).toBe(signal);
    expectLossReport(result.stderr, slug);
  });

  it("SIGTERM while the OTel view's uploads hang: the report counts the view's points too", async () => {
    const child = spawnFixture(hangJob, ["view-wait", "hang-view-sigterm", DEADLINE], server);
    await child.printed("ready");
    child.kill("SIGTERM");
    const result = await child.result;
    expect(result.signal).toBe("SIGTERM");
    expectLossReport(result.stderr, "hang-view-sigterm");
  });

  it("an uncaught error while uploads hang: the report, the error, exit code 1", async () => {
    const result = await spawnFixture(hangJob, ["throw", "hang-throw", DEADLINE], server).result;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("boom while uploads hang");
    expectLossReport(result.stderr, "hang-throw");
  });

  describe("with uploads that fail (503)", () => {
    let emulator: Emulator;
    beforeAll(async () => {
      emulator = await startEmulator();
      for (const route of ["ingestMetrics", "ingestAnnotations", "updateExperiment"] as const) {
        emulator.faults.random(route, { rate: 1, mix: [{ status: 503 }] });
      }
    });
    afterAll(async () => {
      await emulator.close();
    });

    it("SIGTERM: the report names the slug, the counts and the last error; death by SIGTERM", async () => {
      const child = spawnFixture(job, ["wait", "fail-sigterm"], { host: emulator.url, apiKey: emulator.apiKey });
      await child.printed("ready");
      child.kill("SIGTERM");
      const result = await child.result;
      expect(result.signal).toBe("SIGTERM");
      expectLossReport(result.stderr, "fail-sigterm");
      expect(result.stderr).toMatch(/not delivered at SIGTERM: .*; last error: /);
      // No spool in this test (SYVAIN_SPOOL_DIR=off): the report must not promise a copy on disk.
      expect(result.stderr).not.toMatch(/kept on disk/);
    });

    it("SIGTERM with the spool on: the report says where the events wait and how they get delivered", async () => {
      const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), "loss-report-spool-"));
      const child = spawnFixture(job, ["wait", "kept-sigterm"], { host: emulator.url, apiKey: emulator.apiKey }, { env: { SYVAIN_SPOOL_DIR: spoolDir } });
      await child.printed("ready");
      child.kill("SIGTERM");
      const result = await child.result;
      expect(result.signal).toBe("SIGTERM");
      expectLossReport(result.stderr, "kept-sigterm");
      const line = result.stderr.split("\n").find((l) => l.includes('experiment "kept-sigterm"') && l.includes("not delivered"));
      expect(line).toContain(`kept on disk in ${spoolDir}${path.sep}`);
      expect(line).toContain("syvain-otel sync");
      expect(line).not.toContain("refused");
    });
  });
});

describe("collector.close() with uploads that hang", () => {
  it("returns a status per experiment that says what was not delivered", async () => {
    const { Collector } = await import("../../src/facade/collector.ts");
    const collector = new Collector({ host: server.host, apiKey: server.apiKey, exitFlushTimeoutSeconds: 0.5, flushDelaySeconds: 0.01 });
    const experiment = await collector.experiment("hang-close");
    for (let step = 0; step < 5; step++) experiment.metric("loss", 1, { step });
    const [closed] = await collector.close();
    expect(closed?.slug).toBe("hang-close");
    expect(closed?.status.ok).toBe(false);
    expect((closed?.status.pendingMetrics ?? 0) + (closed?.status.failedMetrics ?? 0)).toBe(5);
  });
});
