/**
 * Memory only (spoolDir: false), Syvain accepts connections and never answers: the first export of
 * a new experiment waits for its creation. `meterProvider.shutdown()` of a metrics-only setup (the
 * log exporter still holds the shared core, so it only drains) resolved ok with nothing said:
 * `stats()` was `[]` and no warning came, though the points were not queued and die with the
 * process (found from outside, from a packed tarball). A flush whose deadline passes with exports
 * still waiting now says so, and keeps it as the experiment's last error.
 *
 * Since a creation Syvain does not answer is deferred (in memory, after 2 s at most, and never past
 * the deadline of the shutdown the export runs in), the shutdown's export queues the points: the
 * drain says they are still pending, and the last shutdown counts them as not delivered.
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
  it("a flush that ends with the points still waiting for the creation says so; the shutdown that abandons the creation counts them", async () => {
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
    // Named after the call: the meter provider's shutdown (its sibling, the log exporter, still holds the core).
    expect(heard.some((m) => m.startsWith('shutdown: delivery to experiment "hanging-creation" incomplete: 100 pending'))).toBe(true);
    expect(syvain.stats().find((s) => s.slug === "hanging-creation")?.metrics).toMatchObject({ enqueued: 100, pending: 100 });
    await syvain.shutdown(); // the last holder: abandons the creation, the queued points are given up and counted
    const stats = syvain.stats().find((s) => s.slug === "hanging-creation");
    expect(stats?.metrics).toMatchObject({ enqueued: 100, pending: 0, failed: 100 });
    expect(stats?.lastError?.code).toBe("shutdown");
    expect(heard.some((m) => m.startsWith('shutdown: delivery to experiment "hanging-creation" incomplete: 0 pending, 100 failed'))).toBe(true);
  }, 30_000);
});
