/**
 * One run of the bridge-experiments bench, in a fresh process (clean RSS): a bridge on the emulator
 * given as argv[2] sees N new experiments (one small OTLP/JSON request per `service.name`), then
 * idles; prints one JSON line with heapUsed and RSS after gc at start, after the N, and after idling.
 * argv[3]: `one` (the same N requests to one experiment: the baseline of warm-up and garbage),
 * `kept` (experimentIdleSeconds null: every experiment held, as before review 14's F8), `released`
 * or `released-spool` (released after 1 s idle; the latter with the bridge's spool).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { createBridge } from "../src/bridge/create-bridge.ts";

const [, , emulatorUrl = "", variant = "released", apiKey = ""] = process.argv;
const experiments = Number(process.env.BENCH_EXPERIMENTS ?? 2000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

function memory(): { heapUsed: number; rss: number } {
  gc!();
  gc!();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

function body(name: string): string {
  const point = { asDouble: 1, timeUnixNano: "1796690000000000000", attributes: [{ key: "step", value: { intValue: "1" } }] };
  return JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: name } }] }, scopeMetrics: [{ metrics: [{ name: "m", gauge: { dataPoints: [point] } }] }] }] });
}

async function held(url: string): Promise<number> {
  return ((await (await fetch(`${url}/readyz`)).json()) as { experimentsHeld: number }).experimentsHeld;
}

const spoolDir = variant === "released-spool" ? await mkdtemp(join(tmpdir(), "bench-bridge-experiments-")) : false;
const bridge = createBridge({
  port: 0,
  log: () => {},
  spoolDir,
  syvain: { host: emulatorUrl, apiKey, experimentIdleSeconds: variant === "kept" || variant === "one" ? null : 1 },
});
const { url } = await bridge.start();
const start = memory();
const run = `bench-${process.pid}-${Date.now()}`;
for (let i = 0; i < experiments; i++) {
  const response = await fetch(`${url}/v1/metrics`, { method: "POST", headers: { "content-type": "application/json" }, body: body(variant === "one" ? run : `${run}-${i}`) });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`request ${i}: HTTP ${response.status}`);
}
const heldAfterRequests = await held(url);
const afterRequests = memory();
// Idle: released between 1 and 1.5 s after the last use, once delivered; `kept` and `one` wait 3 s.
const releases = variant.startsWith("released");
for (let waited = 0; waited < 30_000 && (releases ? (await held(url)) > 0 : waited < 3000); waited += 250) await delay(250);
const heldAfterIdle = await held(url);
const afterIdle = memory();
const report = await bridge.close();
if (spoolDir !== false) await rm(spoolDir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ variant, experiments, accepted: report.totals.accepted, start, afterRequests, heldAfterRequests, afterIdle, heldAfterIdle })}\n`);
