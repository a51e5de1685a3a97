/**
 * `sync` names the folders of running processes that still hold records to deliver. A running
 * Collector that has delivered everything holds none: its segment bytes are all acknowledged (and
 * its acks file is bookkeeping), so it is not named and the summary does not say otherwise (found
 * by an outside review: every live folder counted).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { deliverLeftovers } from "../../src/destinations/leftovers/deliver-leftovers.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";

let root: string;
beforeAll(() => void (root = mkdtempSync(path.join(tmpdir(), "running-writers-"))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("a running Collector whose events are all delivered is not reported as holding data", async () => {
  await withEmulator(async (emulator) => {
    const spoolDir = path.join(root, "spool");
    const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir, flushDelaySeconds: 0.01 });
    const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
    try {
      const e = await collector.experiment("all-delivered");
      for (let step = 0; step < 100; step++) e.metric("loss", step, { step });
      await e.flushOrRaise();
      await new Promise((r) => setTimeout(r, 1500)); // acks written
      expect(emulator.store.metrics("all-delivered")).toHaveLength(100);
      expect(collector.stats().spool?.eventsOnDisk).toBe(0);
      const result = await deliverLeftovers({ spoolDir, client });
      expect(result.running).toEqual({ writers: 0, bytes: 0, offline: { writers: 0, bytes: 0 } });
    } finally {
      await client.close();
      await collector.close();
    }
  });
}, 30_000);
