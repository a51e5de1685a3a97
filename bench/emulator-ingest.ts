/**
 * Emulator ingest throughput over loopback: 500-item metric batches, several keep-alive
 * connections, bodies serialised before the clock starts (this measures the emulator, not the client).
 * Run: node --conditions=syvain-source bench/emulator-ingest.ts [events=400000] [connections=8]
 * With SYVAIN_METRICS_HOST set (e.g. to a `syvain-otel emulator` in another process), it targets
 * that emulator instead of starting one in-process, so client and server do not share a thread.
 */
import { randomUUID } from "node:crypto";
import { Pool } from "undici";
import { apiPaths } from "../src/api/contract.ts";
import { EMULATOR_API_KEY, startEmulator } from "../src/testing/index.ts";

const totalEvents = Number(process.argv[2] ?? 400_000);
const connections = Number(process.argv[3] ?? 8);
const batchSize = 500;

const external = process.env.SYVAIN_METRICS_HOST;
const emulator = external ? undefined : await startEmulator();
const pool = new Pool(external ?? emulator!.url, { connections, pipelining: 1 });
const headers = { authorization: `Bearer ${EMULATOR_API_KEY}`, "content-type": "application/json" };

const created = await pool.request({ method: "POST", path: apiPaths.experiments(), headers: { ...headers, "idempotency-key": randomUUID() }, body: JSON.stringify({ slug: `bench-${randomUUID()}` }) });
const experimentId = ((await created.body.json()) as { experiment: { id: string } }).experiment.id;
const path = apiPaths.experimentMetrics(experimentId);

const bodies: string[] = [];
for (let b = 0; b * batchSize < totalEvents; b++) {
  const metrics = Array.from({ length: batchSize }, (_, i) => ({
    client_event_id: `r1-${b * batchSize + i}`,
    name: i % 2 === 0 ? "train/loss" : "train/accuracy",
    value: Math.random(),
    step: b * batchSize + i,
    timestamp: 1_700_000_000_000 + b,
    metadata: { split: "train", rank: i % 4 },
  }));
  bodies.push(JSON.stringify({ metrics }));
}

let next = 0;
let accepted = 0;
async function worker(): Promise<void> {
  while (next < bodies.length) {
    const body = bodies[next++]!;
    const response = await pool.request({ method: "POST", path, headers: { ...headers, "idempotency-key": randomUUID() }, body });
    const result = (await response.body.json()) as { accepted: number };
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
    accepted += result.accepted;
  }
}

const start = process.hrtime.bigint();
await Promise.all(Array.from({ length: connections }, () => worker()));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
await pool.close();
await emulator?.close();

const rate = Math.round(accepted / seconds);
process.stdout.write(`emulator ingest: ${accepted} events in ${seconds.toFixed(2)} s = ${rate.toLocaleString("en-US")} events/s (${connections} connections, ${batchSize}-item batches)\n`);
