/**
 * The facade's delivery against the server's own ceiling, in one run: `experiment.metric()` (a
 * `Collector`: validation, ids, outbox, batches of 500, 4 requests in flight, JSON per batch,
 * the client) → emulator, beside a bare client that does nothing but POST ready-made bodies —
 * the same events, serialised into batches of 500 before its clock starts — 4 in flight, over
 * undici, to the same emulator (own process). Runs alternate; the ratio is the median of the
 * back-to-back pairs (a noisy neighbour hits both alike). Every run checks the emulator stored
 * every event. The facade runs twice per round: without its spool (the goal's row: the bare client
 * writes no disk either) and with it (on by default; a temporary directory here). CPU rows: this
 * process's and the emulator's CPU time per event over each whole run.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { Agent, request } from "undici";
import { apiPaths, IDEMPOTENCY_KEY_HEADER, type MetricEvent } from "../src/api/contract.ts";
import { createSyvainClient } from "../src/client/create-client.ts";
import { median, type BenchModule, type BenchResult } from "./bench-types.ts";
import { startChildServer, type ChildServer } from "./child-server.ts";
import { round2 } from "./facade-vs-otel-record.bench.ts";
import { benchSpoolDir, expectAll, facadeRun, pairedRatio, storedMetrics, uniqueSlug } from "./otel-e2e.bench.ts";

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

/** Events/s of one run, and the client's (this process's) and the server's CPU time per event. */
interface Measured {
  rate: number;
  clientMicros: number;
  serverMicros: number;
}

async function measured(emulator: ChildServer, events: number, run: () => Promise<number>): Promise<Measured> {
  const client = process.cpuUsage();
  const server = await emulator.cpuSeconds();
  const rate = await run();
  const { user, system } = process.cpuUsage(client);
  return { rate, clientMicros: (user + system) / events, serverMicros: ((await emulator.cpuSeconds()) - server) * 1e6 / events };
}

export const facadeVsBareClientBench: BenchModule = {
  name: "facade vs bare client",
  async run(): Promise<BenchResult[]> {
    const emulator = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
    const agent = new Agent({ connections: IN_FLIGHT });
    const spoolDir = benchSpoolDir();
    // The goal compares delivery alone (the bare client writes no disk): the facade without its
    // spool. The spool, on by default, is measured beside it.
    const sides = {
      facade: () => facadeRun(emulator.url, emulator, EVENTS, false),
      spooled: () => facadeRun(emulator.url, emulator, EVENTS, spoolDir),
      bare: () => bareRun(emulator, agent, EVENTS),
    };
    try {
      await facadeRun(emulator.url, emulator, WARM_UP_EVENTS, false);
      await facadeRun(emulator.url, emulator, WARM_UP_EVENTS, spoolDir);
      await bareRun(emulator, agent, WARM_UP_EVENTS);
      const runs: Record<keyof typeof sides, Measured[]> = { facade: [], spooled: [], bare: [] };
      for (let run = 0; run < RUNS; run++) {
        for (const side of ["facade", "spooled", "bare"] as const) runs[side].push(await measured(emulator, EVENTS, sides[side]));
      }
      const label = `${EVENTS / 1000}k events, median of ${RUNS}`;
      const rate = (side: keyof typeof sides): number => Math.round(median(runs[side].map((m) => m.rate)));
      const ratio = (side: keyof typeof sides): number => pairedRatio(runs[side].map((m) => m.rate), runs.bare.map((m) => m.rate));
      const micros = (side: keyof typeof sides, of: "clientMicros" | "serverMicros"): number => round2(median(runs[side].map((m) => m[of])));
      // On a machine whose cores are busy with other work the two processes share what is left,
      // and the ratio follows the sum of both CPU times; on free cores, the larger of the two.
      const cpuRow = (name: string, side: keyof typeof sides): BenchResult => ({
        name: `${name}: CPU per event`,
        metric: "client (+ server), median",
        value: micros(side, "clientMicros"),
        unit: `µs (+ ${micros(side, "serverMicros")} µs)`,
      });
      return [
        { name: "facade metric() → emulator, spool off", metric: `throughput, ${label}`, value: rate("facade"), unit: "events/s" },
        { name: "facade metric() → emulator, spool on (the default)", metric: `throughput, ${label}`, value: rate("spooled"), unit: "events/s" },
        { name: "bare client, ready-made batches of 500, 4 in flight → emulator", metric: `throughput, ${label}`, value: rate("bare"), unit: "events/s" },
        { name: "facade (spool off) / bare client, same emulator", metric: `throughput ratio, median of ${RUNS} pairs`, value: ratio("facade"), unit: "x", target: { op: ">=", value: 0.9 } },
        { name: "facade (spool on) / bare client, same emulator", metric: `throughput ratio, median of ${RUNS} pairs`, value: ratio("spooled"), unit: "x" },
        cpuRow("facade, spool off", "facade"),
        cpuRow("facade, spool on", "spooled"),
        cpuRow("bare client (building its bodies included)", "bare"),
      ];
    } finally {
      await agent.close();
      await emulator.stop();
      rmSync(spoolDir, { recursive: true, force: true });
    }
  },
};
