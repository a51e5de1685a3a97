/**
 * The facade's delivery against the server's own ceiling, in one run: `experiment.metric()` (a
 * `Collector`: validation, ids, outbox, batches of 500, 4 requests in flight, JSON per batch,
 * the client) → emulator, beside a bare client that does nothing but POST ready-made bodies —
 * the same events, serialised into batches of 500 before its clock starts — 4 in flight, over
 * undici, to the same emulator (own process). Runs alternate; the ratio is the median of the
 * back-to-back pairs (a noisy neighbour hits both alike). Every run checks the emulator stored
 * every event.
 */
import { randomBytes } from "node:crypto";
import { Agent, request } from "undici";
import { apiPaths, IDEMPOTENCY_KEY_HEADER, type MetricEvent } from "../src/api/contract.ts";
import { createSyvainClient } from "../src/client/create-client.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";
import { startChildServer, type ChildServer } from "./child-server.ts";
import { expectAll, facadeRun, pairedRatio, storedMetrics, uniqueSlug } from "./otel-e2e.bench.ts";

const EVENTS = Number(process.env.BENCH_FACADE_EVENTS ?? 300_000);
const RUNS = Number(process.env.BENCH_E2E_RUNS ?? 7);
const WARM_UP_EVENTS = 20_000;
const BATCH = 500;
const IN_FLIGHT = 4;

/** The bodies `metric("train/loss", i * 1e-6, { step: i, metadata: { split: "train" } })` gives, 500 a body. */
function readyBodies(events: number, t0: number): string[] {
  const token = randomBytes(12).toString("base64url");
  const bodies: string[] = [];
  for (let from = 0; from < events; from += BATCH) {
    const metrics: MetricEvent[] = [];
    for (let i = from; i < Math.min(events, from + BATCH); i++) {
      metrics.push({ client_event_id: `${token}.${i.toString(36)}`, name: "train/loss", value: i * 1e-6, step: i, timestamp: t0 + i, metadata: { split: "train" } });
    }
    bodies.push(JSON.stringify({ metrics }));
  }
  return bodies;
}

/** Events/s of the bare client: first POST until the last answer. */
export async function bareRun(emulator: ChildServer, agent: Agent, events: number): Promise<number> {
  const client = createSyvainClient({ host: emulator.url, apiKey: emulator.apiKey });
  const experiment = await client.createExperiment({ slug: uniqueSlug("bench-bare") });
  await client.close();
  const bodies = readyBodies(events, Date.now());
  const url = `${emulator.url}${apiPaths.experimentMetrics(experiment.id)}`;
  const headers = { authorization: `Bearer ${emulator.apiKey}`, "content-type": "application/json", accept: "application/json" };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let at = next++; at < bodies.length; at = next++) {
      const response = await request(url, { method: "POST", dispatcher: agent, headers: { ...headers, [IDEMPOTENCY_KEY_HEADER]: `bare-${experiment.id}-${at}` }, body: bodies[at]! });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`bare client: ${response.statusCode} ${text}`);
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  expectAll("bare client", await storedMetrics(emulator, experiment.slug), events);
  return events / seconds;
}

export const facadeVsBareClientBench: BenchModule = {
  name: "facade vs bare client",
  async run(): Promise<BenchResult[]> {
    const emulator = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
    const agent = new Agent({ connections: IN_FLIGHT });
    try {
      await facadeRun(emulator.url, emulator, WARM_UP_EVENTS);
      await bareRun(emulator, agent, WARM_UP_EVENTS);
      const facade: number[] = [];
      const bare: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        facade.push(await facadeRun(emulator.url, emulator, EVENTS));
        bare.push(await bareRun(emulator, agent, EVENTS));
      }
      const label = `${EVENTS / 1000}k events, median of ${RUNS}`;
      return [
        { name: "facade metric() → emulator", metric: `throughput, ${label}`, value: Math.round(median(facade)), unit: "events/s" },
        { name: "bare client, ready-made batches of 500, 4 in flight → emulator", metric: `throughput, ${label}`, value: Math.round(median(bare)), unit: "events/s" },
        { name: "facade / bare client, same emulator", metric: `throughput ratio, median of ${RUNS} pairs`, value: pairedRatio(facade, bare), unit: "x", target: { op: ">=", value: 0.9 } },
      ];
    } finally {
      await agent.close();
      await emulator.stop();
    }
  },
};
