/**
 * Memory only (spoolDir: false), Syvain accepts connections and never answers: the first export of
 * a new experiment waits for its creation. `meterProvider.shutdown()` of a metrics-only setup (the
 * log exporter still holds the shared core, so it only drains) resolved ok with nothing said:
 * `stats()` was `[]` and no warning came, though the points were not queued and die with the
 * process (found from outside, from a packed tarball). A flush whose deadline passes with exports
 * still waiting now says so, and keeps it as the experiment's last error.
 */
import net from "node:net";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyvainExporters } from "../../../src/exporter/otel/create-exporters.ts";
import { SyvainMetricReader } from "../../../src/exporter/reader.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";

let server: net.Server;
let port = 0;
const held: net.Socket[] = [];
beforeAll(async () => {
  server = net.createServer((socket) => void held.push(socket.on("error", () => undefined)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe("a hanging Syvain at the first export, memory only", () => {
  it("a flush that ends with an export still waiting says so; the shutdown that abandons the creation counts it", async () => {
    const heard: string[] = [];
    const syvain = createSyvainExporters({
      apiKey: "ak_org_emulator",
      host: `http://127.0.0.1:${port}`,
      spoolDir: false,
      shutdownTimeoutSeconds: 1,
      onWarning: (message: string) => void heard.push(message),
    });
    const meterProvider = new MeterProvider({
      resource: syvainResource({ slug: "hanging-creation" }),
      readers: [new SyvainMetricReader({ exporter: syvain.metricExporter, exportIntervalMillis: 1000 })],
    });
    const gauge = meterProvider.getMeter("m").createGauge("loss");
    for (let step = 0; step < 100; step++) gauge.record(step, { step });
    await meterProvider.shutdown();
    expect(heard.some((m) => m.includes('an export to experiment "hanging-creation" still waits for its creation'))).toBe(true);
    const stats = syvain.stats().find((s) => s.slug === "hanging-creation");
    expect(stats?.lastError?.code).toBe("timeout");
    await syvain.shutdown(); // the last holder: abandons the creation, the waiting export fails and is counted
    expect(syvain.stats().find((s) => s.slug === "hanging-creation")?.failedExports).toBeGreaterThan(0);
  }, 30_000);
});
