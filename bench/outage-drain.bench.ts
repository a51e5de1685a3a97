/**
 * Drain after an outage: 60,000 events are recorded while the emulator (in its own process, as a
 * remote server would be) answers every ingest with 503 and no Retry-After for
 * `BENCH_OUTAGE_SECONDS` (15 by default), so each batch waits out its own backoff; then the
 * emulator recovers. The clock runs from the recovery until the outbox has every event accepted;
 * the emulator's count is checked afterwards.
 */
import { setTimeout as delay } from "node:timers/promises";
import { createSyvainClient } from "../src/client/create-client.ts";
import { Outbox } from "../src/delivery/outbox.ts";
import { createRestSink } from "../src/delivery/rest-sink.ts";
import type { BenchModule } from "./bench-types.ts";
import { getJson, putFaults, startChildServer } from "./child-server.ts";
import { facadeLikeEvent } from "./facade-like-events.ts";

const EVENTS = 60_000;
const OUTAGE_MS = Number(process.env.BENCH_OUTAGE_SECONDS ?? 15) * 1000;
const POLL_MS = 5;
const NAME = "drain of a 60k backlog after an outage";

export const outageDrainBench: BenchModule = {
  name: NAME,
  async run() {
    const server = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
    const client = createSyvainClient({ host: server.url, apiKey: server.apiKey });
    try {
      const experiment = await client.createExperiment({ slug: `outage-drain-${Date.now()}` });
      await putFaults(server.url, server.apiKey, { random: { ingestMetrics: { rate: 1, mix: [{ status: 503 }] } } });
      const outbox = new Outbox({ sink: createRestSink({ client, experimentId: experiment.id }) });
      const t0 = Date.now();
      for (let i = 0; i < EVENTS; i++) outbox.enqueueMetric(facadeLikeEvent("outage-drain", i, t0 + i));
      await delay(OUTAGE_MS);
      await putFaults(server.url, server.apiKey, {});
      const start = process.hrtime.bigint();
      let firstAccepted: bigint | undefined;
      while (outbox.stats().metrics.accepted < EVENTS) {
        await delay(POLL_MS);
        if (firstAccepted === undefined && outbox.stats().metrics.accepted > 0) firstAccepted = process.hrtime.bigint();
      }
      const end = process.hrtime.bigint();
      await outbox.close();
      const stats = await getJson<{ experiments: { slug: string; metrics: number }[] }>(`${server.url}/_emulator/stats`, server.apiKey);
      const stored = stats.experiments.find((e) => e.slug === experiment.slug)?.metrics;
      if (stored !== EVENTS) throw new Error(`the emulator stored ${stored} of ${EVENTS} events`);
      const seconds = (to: bigint | undefined): number => Math.round(Number((to ?? end) - start) / 1e7) / 100;
      return [
        { name: NAME, metric: `recovery → all stored (${OUTAGE_MS / 1000} s outage)`, value: seconds(end), unit: "s", target: { op: "<=", value: 3 } },
        // The wait for a first retry to find Syvain back; the rest is the drain itself.
        { name: NAME, metric: "recovery → first batch stored", value: seconds(firstAccepted), unit: "s" },
      ];
    } finally {
      await client.close();
      await server.stop();
    }
  },
};
