/**
 * The facade's delivery against the server's own ceiling, in one run: `experiment.metric()` (a
 * `Collector`: validation, ids, outbox, batches of 500, 4 requests in flight, JSON per batch,
 * the client) → emulator, beside a bare client that does nothing but POST ready-made bodies —
 * the same events, serialised into batches of 500 before its clock starts — 4 in flight, over
 * undici, to the same emulator (own process). Every run checks the emulator stored every event.
 *
 * What the goal row compares, and what it leaves to each side: both send the same bytes (same
 * fields in the same order, ids of the same form, batches of 500) to the same server, which does
 * the same work per event; the bare client's clock starts after its events are built and
 * serialised, the facade's covers `metric()`, its queue and `JSON.stringify` of every batch. A
 * second bare side builds its event objects before its clock too, but serialises each batch when it
 * sends it, as any client must: facade / that side is the facade's own cost (validation, ids,
 * queue, outbox, client), bare serialising / bare is what the JSON costs.
 *
 * The facade runs twice per round: without its spool (the goal's row: the bare client writes no
 * disk either) and with it (on by default; a temporary directory here). Sides rotate their order
 * each round; ratios are medians of the rounds' ratios (a noisy neighbour hits a round's sides
 * alike). CPU rows: this process's CPU time per event within each side's clock (the bare sides'
 * building before it left out), and the emulator's.
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
const WARM_UP_EVENTS = 50_000;
const BATCH = 500;
const IN_FLIGHT = 4;

/** The events `metric("train/loss", i * 1e-6, { step: i, metadata: { split: "train" } })` gives, 500 a batch. */
function readyBatches(events: number, t0: number): MetricEvent[][] {
  const token = randomBytes(12).toString("base64url");
  const batches: MetricEvent[][] = [];
  for (let from = 0; from < events; from += BATCH) {
    const metrics: MetricEvent[] = [];
    for (let i = from; i < Math.min(events, from + BATCH); i++) {
      metrics.push({ client_event_id: `${token}.${i.toString(36)}`, name: "train/loss", value: i * 1e-6, step: i, timestamp: t0 + i, metadata: { split: "train" } });
    }
    batches.push(metrics);
  }
  return batches;
}

const bodyOf = (batch: MetricEvent[]): string => JSON.stringify({ metrics: batch });

/** Events/s of one run, and this process's and the server's CPU time per event within its clock. */
interface Measured {
  rate: number;
  clientMicros: number;
  serverMicros: number;
}

/**
 * A bare client's run: first POST until the last answer. `serialise`: the bodies are made inside
 * the clock, one per request as it is sent (the event objects are built before it either way).
 */
export async function bareRun(emulator: ChildServer, agent: Agent, events: number, serialise = false): Promise<Measured> {
  const client = createSyvainClient({ host: emulator.url, apiKey: emulator.apiKey });
  const experiment = await client.createExperiment({ slug: uniqueSlug("bench-bare") });
  await client.close();
  const batches = readyBatches(events, Date.now());
  const bodies = serialise ? undefined : batches.map(bodyOf);
  const url = `${emulator.url}${apiPaths.experimentMetrics(experiment.id)}`;
  const headers = { authorization: `Bearer ${emulator.apiKey}`, "content-type": "application/json", accept: "application/json" };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let at = next++; at < batches.length; at = next++) {
      const body = bodies?.[at] ?? bodyOf(batches[at]!);
      const response = await request(url, { method: "POST", dispatcher: agent, headers: { ...headers, [IDEMPOTENCY_KEY_HEADER]: `bare-${experiment.id}-${at}` }, body });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`bare client: ${response.statusCode} ${text}`);
    }
  };
  const cpu = process.cpuUsage();
  const server = await emulator.cpuSeconds();
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const { user, system } = process.cpuUsage(cpu);
  const serverSeconds = (await emulator.cpuSeconds()) - server;
  expectAll("bare client", await storedMetrics(emulator, experiment.slug), events);
  return { rate: events / seconds, clientMicros: (user + system) / events, serverMicros: (serverSeconds * 1e6) / events };
}

/** A facade run, its CPU measured around the whole of it (the clock covers nearly all of it). */
async function facadeMeasured(emulator: ChildServer, events: number, spoolDir: string | false): Promise<Measured> {
  const client = process.cpuUsage();
  const server = await emulator.cpuSeconds();
  const rate = await facadeRun(emulator.url, emulator, events, spoolDir);
  const { user, system } = process.cpuUsage(client);
  return { rate, clientMicros: (user + system) / events, serverMicros: ((await emulator.cpuSeconds()) - server) * 1e6 / events };
}

const SIDES = ["facade", "spooled", "bare", "bareSerialising"] as const;
type Side = (typeof SIDES)[number];

export const facadeVsBareClientBench: BenchModule = {
  name: "facade vs bare client",
  async run(): Promise<BenchResult[]> {
    const emulator = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
    const agent = new Agent({ connections: IN_FLIGHT });
    const spoolDir = benchSpoolDir();
    // The goal compares delivery alone (the bare client writes no disk): the facade without its
    // spool. The spool, on by default, is measured beside it.
    const sides: Record<Side, (events: number) => Promise<Measured>> = {
      facade: (events) => facadeMeasured(emulator, events, false),
      spooled: (events) => facadeMeasured(emulator, events, spoolDir),
      bare: (events) => bareRun(emulator, agent, events),
      bareSerialising: (events) => bareRun(emulator, agent, events, true),
    };
    try {
      for (const side of SIDES) await sides[side](WARM_UP_EVENTS);
      const runs: Record<Side, Measured[]> = { facade: [], spooled: [], bare: [], bareSerialising: [] };
      for (let run = 0; run < RUNS; run++) {
        // Rotated, so no side always runs after the same other side (and the garbage it left).
        for (let k = 0; k < SIDES.length; k++) {
          const side = SIDES[(run + k) % SIDES.length]!;
          runs[side].push(await sides[side](EVENTS));
        }
      }
      const label = `${EVENTS / 1000}k events, median of ${RUNS}`;
      const rate = (side: Side): number => Math.round(median(runs[side].map((m) => m.rate)));
      const ratio = (side: Side, to: Side): number => pairedRatio(runs[side].map((m) => m.rate), runs[to].map((m) => m.rate));
      const micros = (side: Side, of: "clientMicros" | "serverMicros"): number => round2(median(runs[side].map((m) => m[of])));
      const cpuRow = (name: string, side: Side): BenchResult => ({
        name: `${name}: CPU per event`,
        metric: "client (+ server), median",
        value: micros(side, "clientMicros"),
        unit: `µs (+ ${micros(side, "serverMicros")} µs)`,
      });
      // When other work keeps both cores busy, client and server share what is left and events/s
      // follow the sum of both CPU times; on free cores, the larger of the two. The sum's ratio is
      // the steadier figure on a shared machine.
      const total = (m: Measured): number => m.clientMicros + m.serverMicros;
      const cpuRatio = (side: Side): number => pairedRatio(runs.bare.map(total), runs[side].map(total));
      return [
        { name: "facade metric() → emulator, spool off", metric: `throughput, ${label}`, value: rate("facade"), unit: "events/s" },
        { name: "facade metric() → emulator, spool on (the default)", metric: `throughput, ${label}`, value: rate("spooled"), unit: "events/s" },
        { name: "bare client, ready-made batches of 500, 4 in flight → emulator", metric: `throughput, ${label}`, value: rate("bare"), unit: "events/s" },
        { name: "bare client serialising each batch as it sends it → emulator", metric: `throughput, ${label}`, value: rate("bareSerialising"), unit: "events/s" },
        { name: "facade (spool off) / bare client, same emulator", metric: `throughput ratio, median of ${RUNS} rounds`, value: ratio("facade", "bare"), unit: "x", target: { op: ">=", value: 0.9 } },
        { name: "facade (spool on) / bare client, same emulator", metric: `throughput ratio, median of ${RUNS} rounds`, value: ratio("spooled", "bare"), unit: "x" },
        { name: "facade (spool off) / bare client serialising its batches", metric: `throughput ratio, median of ${RUNS} rounds`, value: ratio("facade", "bareSerialising"), unit: "x" },
        { name: "bare client serialising / bare client with ready bodies", metric: `throughput ratio, median of ${RUNS} rounds`, value: ratio("bareSerialising", "bare"), unit: "x" },
        { name: "facade (spool off) / bare client, CPU bound on busy cores", metric: "bare (client + server) CPU / facade's, median", value: cpuRatio("facade"), unit: "x" },
        cpuRow("facade, spool off", "facade"),
        cpuRow("facade, spool on", "spooled"),
        cpuRow("bare client (within its clock)", "bare"),
        cpuRow("bare client serialising (within its clock)", "bareSerialising"),
      ];
    } finally {
      await agent.close();
      await emulator.stop();
      rmSync(spoolDir, { recursive: true, force: true });
    }
  },
};
