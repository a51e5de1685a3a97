/**
 * (As test/facade/spool-deferred-otel-view.test.ts, for older code.) exporters with a spool whose
 * creation was deferred, Syvain unavailable until shutdown. The registry's closeAll aborts the
 * creation (experiment-registry.ts closeAll: abandon), the creating sink then rejects with a
 * non-retryable "shutdown" error, the outbox gives the batch up, and the journal (keepFailed
 * false) acknowledges it: the points leave the spool instead of staying for the next process.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExportResultCode } from "@opentelemetry/core";
import { decodeRequest } from "../../src/bridge/export-calls.ts";
import { experimentJournal } from "../../src/delivery/journal/experiment-journal.ts";
import { openSpool, type Spool } from "../../src/delivery/spool/index.ts";
import { exportersFor } from "../../src/exporter/otel/create-exporters.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { gaugeSteps } from "../bridge/helpers/http.ts";

let emulator: Emulator;
let dir: string;
let spool: Spool;

beforeEach(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "syvain-exporter-deferred-"));
  spool = await openSpool({ dir, syncIntervalMs: 0 });
});
afterEach(async () => {
  await spool.close();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

describe("exporters' deferred creation, Syvain down until shutdown", () => {
  it("leaves the points in the spool", async () => {
    const exporters = exportersFor(
      { apiKey: EMULATOR_API_KEY, host: emulator.url, flushDelaySeconds: 0.01, shutdownTimeoutSeconds: 1, onWarning: () => {} },
      "test",
      undefined,
      { journals: { journal: (spec, id) => experimentJournal(spool, spec, id) } },
    );
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const call = decodeRequest("metrics", "json", Buffer.from(gaugeSteps("down", 0, 10))).calls[0]!;
    expect((await call.run(exporters)).code).toBe(ExportResultCode.SUCCESS);
    await exporters.shutdown();
    await spool.whenDurable();
    expect(spool.stats()).toMatchObject({ written: 11, acked: 0 });
  }, 30_000);
});
