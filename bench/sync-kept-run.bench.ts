/**
 * `syvain-otel sync` of an offline run whose slug another run holds (ifExists "error"): what keeping
 * it aside and delivering it with `--rename` cost, beside a plain sync of the same run without a
 * conflict. An offline Collector logs `BENCH_KEPT_EVENTS` points (50,000 by default) and `done`
 * into a fresh spool; the emulator runs in its own process, as a remote server would. Rounds
 * alternate the two cases (`BENCH_KEPT_ROUNDS`, 3); medians. Each round checks what was stored:
 * every point once in the right experiment, none in the other run's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSync } from "../src/cli/sync-command.ts";
import { createSyvainClient } from "../src/client/create-client.ts";
import { Collector } from "../src/facade/index.ts";
import { median, type BenchModule } from "./bench-types.ts";
import { getJson, startChildServer } from "./child-server.ts";

const EVENTS = Number(process.env.BENCH_KEPT_EVENTS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_KEPT_ROUNDS ?? 3);
const NAME = "sync of a run whose slug another run holds";
const quiet = { write: (): boolean => true };

export const syncKeptRunBench: BenchModule = {
  name: NAME,
  async run() {
    const server = await startChildServer(new URL("./emulator-process.ts", import.meta.url));
    const client = createSyvainClient({ host: server.url, apiKey: server.apiKey });
    const env = { SYVAIN_METRICS_HOST: server.url, SYVAIN_METRICS_API_KEY: server.apiKey };
    const stored = async (slug: string): Promise<number> =>
      (await getJson<{ experiments: { slug: string; metrics: number }[] }>(`${server.url}/_emulator/stats`, server.apiKey)).experiments.find((e) => e.slug === slug)?.metrics ?? 0;
    const timed = async (args: string[], expected: number): Promise<number> => {
      const start = process.hrtime.bigint();
      const code = await runSync(args, { env, stdout: quiet, stderr: quiet });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== expected) throw new Error(`sync ${args.join(" ")} exited ${code}, expected ${expected}`);
      return ms;
    };
    const plain: number[] = [];
    const keep: number[] = [];
    const list: number[] = [];
    const rename: number[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const slug = `kept-bench-${Date.now()}-${round}`;
        // Without a conflict: the offline run creates its experiment on sync.
        const fresh = await offlineRun(server.url, `${slug}-fresh`);
        try {
          plain.push(await timed([fresh], 0));
          if ((await stored(`${slug}-fresh`)) !== EVENTS) throw new Error("the plain sync did not store every point");
        } finally {
          rmSync(fresh, { recursive: true, force: true });
        }
        // With one: another run holds the slug.
        await client.createExperiment({ slug });
        const dir = await offlineRun(server.url, slug);
        try {
          keep.push(await timed([dir], 1));
          list.push(await timed([dir], 1));
          rename.push(await timed(["--rename", `${slug}=${slug}-b`, dir], 0));
          if ((await stored(`${slug}-b`)) !== EVENTS || (await stored(slug)) !== 0) throw new Error("the rename did not store every point once, in the new experiment only");
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    } finally {
      await client.close();
      await server.stop();
    }
    const rate = (ms: number[]): number => Math.round((EVENTS / median(ms)) * 1000);
    return [
      { name: NAME, metric: `plain sync, no conflict (${EVENTS} points)`, value: rate(plain), unit: "events/s" },
      { name: NAME, metric: "sync that keeps the run aside (copied, fsync'd, acked)", value: rate(keep), unit: "events/s" },
      { name: NAME, metric: "sync again (lists the kept run, sends nothing)", value: Math.round(median(list)), unit: "ms" },
      { name: NAME, metric: "sync --rename (creates, delivers, acks)", value: rate(rename), unit: "events/s" },
    ];
  },
};

/** An offline run of `slug`: `EVENTS` points and `done`, in a fresh spool directory (returned). */
async function offlineRun(host: string, slug: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "kept-bench-"));
  const collector = new Collector({ mode: "offline", host, spoolDir: dir });
  const experiment = await collector.experiment(slug);
  for (let step = 0; step < EVENTS; step++) experiment.metric("loss", step, { step });
  experiment.done();
  await collector.close();
  return dir;
}
