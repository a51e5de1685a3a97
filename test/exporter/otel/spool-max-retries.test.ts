/**
 * `createSyvainExporters({ spoolDir, maxRetries })` during an outage: points the background stops
 * retrying stay on disk, the shutdown's account says so, and `syvain-otel sync` delivers each once.
 * Outside review 14 (F11): they were counted failed and acknowledged in the spool; the account said
 * "kept on disk", and sync then found "everything is delivered". Without a spool: said lost, once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runSync } from "../../../src/cli/sync-command.ts";
import { createSyvainExporters } from "../../../src/exporter/otel/create-exporters.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { withEmulator } from "./helpers.ts";

const POINTS = 40;
const unavailable = { status: 503, retryAfterSeconds: 0 };

let root: string;
beforeAll(() => void (root = mkdtempSync(path.join(tmpdir(), "syvain-otel-max-retries-"))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Records the points through the real SDK, exports them, and waits for the background's give-up warning. */
async function exportUntilGivenUp(spoolDir: string | false, slug: string, heard: string[], host: string, apiKey: string): Promise<ReturnType<typeof createSyvainExporters>> {
  const syvain = createSyvainExporters({ apiKey, host, spoolDir, maxRetries: 1, flushTimeoutSeconds: 0.3, shutdownTimeoutSeconds: 0.5, onWarning: (m) => void heard.push(m) });
  const provider = new MeterProvider({ resource: syvainResource({ slug }), readers: [new SyvainMetricReader({ exporter: syvain.metricExporter, exportIntervalMillis: 60_000 })] });
  const gauge = provider.getMeter("m").createGauge("loss");
  for (let step = 0; step < POINTS; step++) gauge.record(step / 10, { step });
  await provider.forceFlush();
  await vi.waitFor(() => expect(heard.some((m) => m.includes("maxRetries"))).toBe(true), { timeout: 10_000 });
  await provider.shutdown();
  return syvain;
}

describe("OTel exporters with maxRetries", () => {
  it("with a spool: what the background gave up stays on disk, and syvain-otel sync delivers it once", async () => {
    await withEmulator(async (emulator) => {
      const spoolDir = path.join(root, "spool");
      const slug = "otel-max-retries-kept";
      const heard: string[] = [];
      emulator.faults.random("ingestMetrics", { rate: 1, mix: [unavailable] });
      const syvain = await exportUntilGivenUp(spoolDir, slug, heard, emulator.url, emulator.apiKey);
      // Given up in the background, not failed: pending, on disk.
      expect(syvain.stats()[0]?.metrics).toMatchObject({ enqueued: POINTS, accepted: 0, pending: POINTS, failed: 0 });
      await syvain.shutdown();
      const account = heard.find((m) => m.startsWith(`shutdown: delivery to experiment "${slug}" incomplete`));
      expect(account).toContain(`${POINTS} pending, 0 failed`);
      expect(account).toContain(`kept on disk in ${spoolDir}`);

      emulator.faults.clear();
      let stderr = "";
      const env = { SYVAIN_METRICS_HOST: emulator.url, SYVAIN_METRICS_API_KEY: emulator.apiKey };
      const code = await runSync([spoolDir], { env, stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) } });
      expect(code, stderr).toBe(0);
      expect(stderr).toContain(`${POINTS} metrics`);
      const steps = emulator.store.metrics(slug).map((m) => Number(m.step));
      expect([steps.length, new Set(steps).size]).toEqual([POINTS, POINTS]);
    });
  });

  it("without a spool: the give-up is said once, as a loss", async () => {
    await withEmulator(async (emulator) => {
      const slug = "otel-max-retries-lost";
      const heard: string[] = [];
      emulator.faults.random("ingestMetrics", { rate: 1, mix: [unavailable] });
      const syvain = await exportUntilGivenUp(false, slug, heard, emulator.url, emulator.apiKey);
      await syvain.shutdown();
      const gaveUp = heard.filter((m) => m.includes("maxRetries"));
      expect(gaveUp).toHaveLength(1);
      expect(gaveUp[0]).toContain(`experiment "${slug}": ${POINTS} metrics lost`);
      expect(gaveUp[0]).not.toContain("kept on disk");
      expect(syvain.stats()[0]?.metrics).toMatchObject({ pending: 0, failed: POINTS });
    });
  });
});
