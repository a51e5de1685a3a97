/**
 * End to end: facade-like events enqueued by a "training loop" (that yields to the event loop
 * every 10,000 events) through one outbox and the real client into the emulator, running in its
 * own process, over loopback; the clock stops when `flushOrRaise()` returns. The emulator's
 * stored count is checked afterwards.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { createSyvainClient } from "../src/exporter/client/create-client.ts";
import { Outbox } from "../src/exporter/delivery/outbox.ts";
import { createRestSink } from "../src/exporter/delivery/rest-sink.ts";
import type { BenchModule } from "./bench-types.ts";
import { facadeLikeEvent } from "./facade-like-events.ts";

const EVENTS = Number(process.env.BENCH_E2E_EVENTS ?? 500_000);

async function startEmulatorProcess(): Promise<{ url: string; apiKey: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...(process.env.BENCH_EMULATOR_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_EMULATOR_PROF}`] : []), "--conditions=development", fileURLToPath(new URL("./emulator-process.ts", import.meta.url))], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const [first] = (await once(lines, "line")) as [string];
  const { url, apiKey } = JSON.parse(first) as { url: string; apiKey: string };
  return {
    url,
    apiKey,
    stop: async () => {
      child.stdin.end();
      await once(child, "exit");
    },
  };
}

export const endToEndBench: BenchModule = {
  name: "end to end",
  async run() {
    const emulator = await startEmulatorProcess();
    const client = createSyvainClient({ host: emulator.url, apiKey: emulator.apiKey });
    try {
      const experiment = await client.createExperiment({ slug: `bench-${Date.now()}` });
      const outbox = new Outbox({ sink: createRestSink({ client, experimentId: experiment.id }), maxQueueItems: EVENTS });
      const start = process.hrtime.bigint();
      const t0 = Date.now();
      for (let i = 0; i < EVENTS; i++) {
        outbox.enqueueMetric(facadeLikeEvent("Xq3vB7pLm2Rt9sKa", i, t0 + i));
        if (i % 10_000 === 9_999) await yieldToLoop();
      }
      await outbox.flushOrRaise();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const response = await fetch(`${emulator.url}/_emulator/stats`, { headers: { authorization: `Bearer ${emulator.apiKey}` } });
      const stats = (await response.json()) as { experiments: { slug: string; metrics: number }[] };
      const stored = stats.experiments.find((e) => e.slug === experiment.slug)?.metrics;
      if (stored !== EVENTS) throw new Error(`emulator stored ${stored} of ${EVENTS} events`);
      await outbox.close();
      return [
        { name: `facade-like → outbox → emulator (${EVENTS / 1000}k events)`, metric: "throughput", value: Math.round(EVENTS / seconds), unit: "events/s", target: { op: ">=", value: 200_000 } },
      ];
    } finally {
      await client.close();
      await emulator.stop();
    }
  },
};
