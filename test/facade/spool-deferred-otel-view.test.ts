/**
 * a facade experiment whose creation was deferred (Syvain unreachable at start, spool on).
 * 5ebbc3f keeps the facade's own events on disk when their batches fail for good
 * (deferred-creation.ts keepUnlessRefused); the experiment's OTel view outboxes get a plain
 * SpoolJournal (collector-base.ts otelJournals -> spool-session.ts journal(), keepFailed false),
 * so their failed batches are acknowledged and their points leave the spool.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/testing/index.ts";
import { Collector } from "../../src/facade/index.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "syvain-deferred-otel-view-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function plannedMetrics(emulator: Emulator, spoolDir: string, slug: string): Promise<number> {
  const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
  try {
    const left = await deliverLeftovers({ spoolDir, client, dryRun: true });
    return (left.planned ?? []).filter((p) => p.slug === slug).reduce((n, p) => n + p.metrics, 0);
  } finally {
    await client.close();
  }
}

async function run(name: string, comesBack: boolean): Promise<{ onDiskBeforeClose: number; planned: number }> {
  const spoolDir = path.join(root, name);
  const dataFile = path.join(root, `${name}.json`);
  const first = await startEmulator({ dataFile, ui: false });
  const { port, url } = first;
  await first.close();
  const collector = new Collector("ak_org_emulator", { host: url, spoolDir, flushDelaySeconds: 0.01, timeout: 1, exitFlushTimeoutSeconds: 2 });
  let emulator: Emulator | undefined;
  const onWarning = (): void => undefined;
  process.on("warning", onWarning);
  try {
    const experiment = await collector.experiment(name, { folderPath: "/no/such/folder" });
    for (let step = 0; step < 20; step++) experiment.metric("loss", step, { step });
    const meterProvider = experiment.createMeterProvider({ exportIntervalMillis: 60_000 });
    const gauge = meterProvider.getMeter("trainer").createGauge("gpu_utilization");
    for (let step = 0; step < 5; step++) gauge.record(70 + step, { step });
    if (comesBack) emulator = await startEmulator({ dataFile, port, ui: false });
    await meterProvider.forceFlush().catch(() => undefined);
    // 1 creation record + 20 facade points + 5 OTel points
    const onDiskBeforeClose = collector.stats().spool?.eventsOnDisk ?? -1;
    await experiment.flush();
    await collector.close();
    emulator ??= await startEmulator({ dataFile, port, ui: false });
    expect(emulator.store.experiment(name)).toBeUndefined();
    return { onDiskBeforeClose, planned: await plannedMetrics(emulator, spoolDir, name) };
  } finally {
    process.off("warning", onWarning);
    await collector.close();
    await emulator?.close();
  }
}

describe("deferred creation: the OTel view's points stay in the spool like the facade's", () => {
  it("Syvain down until close(): all 25 points are left for the next run / sync", async () => {
    const { onDiskBeforeClose, planned } = await run("otel-down", false);
    expect(onDiskBeforeClose).toBe(26);
    expect(planned).toBe(25); // fails: 20 (the 5 OTel points were acknowledged at close)
  }, 60_000);

  it("Syvain back but refusing the creation (folder path): all 25 points are left for sync", async () => {
    const { planned } = await run("otel-refused", true);
    expect(planned).toBe(25); // fails: 20
  }, 60_000);
});
