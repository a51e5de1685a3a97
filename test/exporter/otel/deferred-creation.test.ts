/**
 * The exporters with journals (what the bridge's spool gives them): every queued event is appended
 * to the spool, and an experiment whose creation fails because Syvain is unavailable is not a
 * failed export — its events are journaled without a server id, after a creation record, and its
 * outbox creates the experiment once Syvain answers, then delivers and acknowledges everything.
 * Without journals the same export fails, as before. The exporters' own `spoolDir` gives them the
 * same journals. Real spool, real emulator with faults.
 */
import { ExportResultCode } from "@opentelemetry/core";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeRequest } from "../../../src/bridge/export-calls.ts";
import { experimentJournal } from "../../../src/delivery/journal/experiment-journal.ts";
import { openSpool, type Spool } from "../../../src/delivery/spool/index.ts";
import { exportersFor, type SyvainExporters } from "../../../src/exporter/otel/create-exporters.ts";
import type { ExperimentJournals } from "../../../src/exporter/otel/experiment-journals.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../../src/testing/index.ts";
import { gaugeSteps } from "../../bridge/helpers/http.ts";

let emulator: Emulator;
let dir: string;
let spool: Spool;
let exporters: SyvainExporters | undefined;

beforeEach(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "deferred-creation-"));
  spool = await openSpool({ dir, syncIntervalMs: 0 });
});

afterEach(async () => {
  await exporters?.shutdown();
  exporters = undefined;
  await spool.close();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

/** Journals as the bridge makes them, with the records each experiment got. */
function journals(): ExperimentJournals & { opened: { slug: string; id: string | null }[] } {
  const opened: { slug: string; id: string | null }[] = [];
  return {
    opened,
    journal(spec, experimentId) {
      opened.push({ slug: spec.slug, id: experimentId });
      return experimentJournal(spool, spec, experimentId);
    },
  };
}

const exportSteps = (target: SyvainExporters, slug: string, from: number, to: number) => decodeRequest("metrics", "json", Buffer.from(gaugeSteps(slug, from, to))).calls[0]!.run(target);
const options = () => ({ apiKey: EMULATOR_API_KEY, host: emulator.url, flushDelaySeconds: 0.01, onWarning: () => {} });

describe("exporters with journals", () => {
  it("defer a creation while Syvain is unavailable, journal its events, and create and deliver once it is back", async () => {
    const made = journals();
    exporters = exportersFor(options(), "test", undefined, { journals: made });
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    expect((await exportSteps(exporters, "deferred", 0, 10)).code).toBe(ExportResultCode.SUCCESS);
    expect(made.opened).toEqual([{ slug: "deferred", id: null }]);
    expect(exporters.stats()[0]).toMatchObject({ slug: "deferred", experimentId: undefined, metrics: { pending: 10 } });
    await spool.whenDurable();
    // The creation record and the 10 points are on disk, none acknowledged.
    expect(spool.stats()).toMatchObject({ written: 11, acked: 0 });

    emulator.faults.clear();
    await exporters.forceFlush();
    const created = emulator.store.experiment("deferred");
    expect(created).toBeDefined();
    expect(emulator.store.metrics("deferred")).toHaveLength(10);
    expect(exporters.stats()[0]).toMatchObject({ experimentId: created!.id, metrics: { accepted: 10, pending: 0 } });
    expect(spool.stats().acked).toBe(11);
  });

  it("journal the events of an experiment that exists with its server id", async () => {
    const made = journals();
    exporters = exportersFor(options(), "test", undefined, { journals: made });
    expect((await exportSteps(exporters, "known", 0, 5)).code).toBe(ExportResultCode.SUCCESS);
    expect(made.opened).toEqual([{ slug: "known", id: emulator.store.experiment("known")!.id }]);
    await exporters.forceFlush();
    // Delivered before the flusher wrote them: acknowledged as they are written.
    await spool.whenDurable();
    expect(spool.stats()).toMatchObject({ appended: 5, acked: 5 });
  });

  it("with their own spoolDir, defer a creation while Syvain is down from the start, then create and deliver once it is back", async () => {
    const own = join(dir, "own");
    exporters = exportersFor({ ...options(), spoolDir: own }, "test");
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    expect((await exportSteps(exporters, "down-from-start", 0, 10)).code).toBe(ExportResultCode.SUCCESS);
    expect(exporters.stats()[0]).toMatchObject({ experimentId: undefined, metrics: { pending: 10 } });
    expect(emulator.store.experiment("down-from-start")).toBeUndefined();

    emulator.faults.clear();
    await exporters.forceFlush();
    expect(emulator.store.metrics("down-from-start").map((point) => point.step)).toEqual([...Array(10).keys()]);
    // The creation record and the 10 points were journaled, and all are acknowledged now.
    expect(exporters.spoolStats()).toMatchObject({ eventsOnDisk: 0, notSpooled: 0 });
  });

  it("without journals, the same outage fails the export (nothing queued)", async () => {
    exporters = exportersFor(options(), "test");
    emulator.faults.random("*", { rate: 1, mix: [{ status: 503, retryAfterSeconds: 0 }] });
    const result = await exportSteps(exporters, "not-deferred", 0, 10);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(exporters.stats()[0]).toMatchObject({ experimentId: undefined, metrics: { enqueued: 0 } });
  });
});
