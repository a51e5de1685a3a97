/**
 * End to end: facade-like events enqueued by a "training loop" (that yields to the event loop
 * every 10,000 events) through one outbox and the real client over loopback, into a server in its
 * own process (as a remote server would be); the clock stops when `flushOrRaise()` returns, and
 * the server's count is checked afterwards. Two servers: the emulator, and a minimal one that
 * only counts events (the delivery path's own ceiling). `BENCH_E2E_EVENTS` changes the count;
 * `BENCH_SERVER_PROF=<dir>` writes a CPU profile of the server process.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { createSyvainClient } from "../src/client/create-client.ts";
import type { SyvainClient } from "../src/client/client-types.ts";
import { Outbox } from "../src/delivery/outbox.ts";
import { createRestSink } from "../src/delivery/rest-sink.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";
import { startChildServer, type ChildServer as ServerProcess } from "./child-server.ts";
import { facadeLikeEvent } from "./facade-like-events.ts";

const EVENTS = Number(process.env.BENCH_E2E_EVENTS ?? 500_000);
/** Runs per server: the machine is shared, so the table shows the median and the best. */
const RUNS = Number(process.env.BENCH_E2E_RUNS ?? 3);

/** Events per second from the first enqueue until `flushOrRaise()` returns. */
async function pushEvents(client: SyvainClient, experimentId: string): Promise<number> {
  const outbox = new Outbox({ sink: createRestSink({ client, experimentId }), maxQueueItems: EVENTS });
  const start = process.hrtime.bigint();
  const t0 = Date.now();
  for (let i = 0; i < EVENTS; i++) {
    outbox.enqueueMetric(facadeLikeEvent("Xq3vB7pLm2Rt9sKa", i, t0 + i));
    if (i % 10_000 === 9_999) await yieldToLoop();
  }
  await outbox.flushOrRaise();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await outbox.close();
  return Math.round(EVENTS / seconds);
}

async function getJson(url: string, apiKey: string): Promise<unknown> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
  return response.json();
}

function check(stored: number | undefined): void {
  if (stored !== EVENTS) throw new Error(`the server stored ${stored} of ${EVENTS} events`);
}

async function withServer(
  script: string,
  title: string,
  target: BenchResult["target"],
  once: (server: ServerProcess, client: SyvainClient) => Promise<number>,
): Promise<BenchResult[]> {
  const server = await startChildServer(new URL(script, import.meta.url));
  const client = createSyvainClient({ host: server.url, apiKey: server.apiKey });
  try {
    const rates: number[] = [];
    for (let run = 0; run < RUNS; run++) rates.push(await once(server, client));
    return [
      { name: title, metric: `throughput, median of ${RUNS}`, value: median(rates), unit: "events/s", ...(target ? { target } : {}) },
      { name: title, metric: `throughput, best of ${RUNS}`, value: Math.max(...rates), unit: "events/s" },
    ];
  } finally {
    await client.close();
    await server.stop();
  }
}

const label = `${EVENTS / 1000}k events`;

export const endToEndBench: BenchModule = {
  name: "end to end emulator",
  run: () =>
    withServer("./emulator-process.ts", `facade-like → outbox → emulator (${label})`, { op: ">=", value: 200_000 }, async (server, client) => {
      const experiment = await client.createExperiment({ slug: `bench-${Date.now()}-${Math.random().toString(36).slice(2)}` });
      const rate = await pushEvents(client, experiment.id);
      const stats = (await getJson(`${server.url}/_emulator/stats`, server.apiKey)) as { experiments: { slug: string; metrics: number }[] };
      check(stats.experiments.find((e) => e.slug === experiment.slug)?.metrics);
      return rate;
    }),
};

export const deliveryPathBench: BenchModule = {
  name: "end to end minimal server",
  run: () =>
    withServer("./minimal-server-process.ts", `facade-like → outbox → counting server (${label})`, undefined, async (server, client) => {
      const before = ((await getJson(`${server.url}/count`, server.apiKey)) as { total: number }).total;
      const rate = await pushEvents(client, "bench");
      const after = ((await getJson(`${server.url}/count`, server.apiKey)) as { total: number }).total;
      check(after - before);
      return rate;
    }),
};
