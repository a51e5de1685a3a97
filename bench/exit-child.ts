/**
 * Child process for the exit bench: a training job that does `experiment.run()` and then nothing.
 * Prints `ended` on stdout when the run block's last line is done; the parent times from that line
 * to the process exit. `idle`: the server (SYVAIN_METRICS_HOST) stays up. `down`: an in-process
 * emulator serves the experiment's creation, then stops before the run, so every flush fails with
 * connection refused until the flush deadline (`exitFlushTimeoutSeconds`, from BENCH_EXIT_DEADLINE).
 * `hang`: default options against a server (SYVAIN_METRICS_HOST) that accepts uploads and never
 * answers: the default deadline (10 s) must abort them and the process exit.
 */
import { Collector } from "../src/facade/index.ts";
import { startEmulator } from "../src/testing/index.ts";

const mode = process.argv[2];
const deadline = Number(process.env.BENCH_EXIT_DEADLINE ?? 2);
const emulator = mode === "down" ? await startEmulator() : undefined;
// `hang`: default options (the server in SYVAIN_METRICS_HOST never answers an upload).
const collector = new Collector({
  ...(mode === "hang" ? {} : { exitFlushTimeoutSeconds: deadline }),
  ...(emulator ? { host: emulator.url, apiKey: emulator.apiKey } : {}),
});
const experiment = await collector.experiment(`bench-exit-${mode}-${process.pid}-${Date.now()}`);
await emulator?.close();
await experiment.run((run) => {
  for (let step = 0; step < 1_000; step++) run.metric("train/loss", 1 / (step + 1), { step });
  process.stdout.write("ended\n");
});
