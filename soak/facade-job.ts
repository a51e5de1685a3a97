/**
 * A facade job, with its own spool directory (as a training job has by default): its own experiment, `metric()` in a loop with steps (train loss and accuracy every
 * step, eval loss every 10), an annotation every 50 steps, inside `experiment.run()`; when stopped,
 * `flushOrRaise()` after the faults are cleared.
 */
import { join } from "node:path";
import { Collector, type Experiment } from "../src/facade/index.ts";
import { DeliveryIncompleteError } from "../src/delivery/delivery-errors.ts";
import { Ledger } from "./ledger.ts";
import { tickUntil, type SoakJob } from "./job.ts";

const STEPS_PER_TICK = 10;

export async function createFacadeJob(options: { index: number; runId: string; host: string; apiKey: string; spoolRoot: string }): Promise<SoakJob> {
  const source = `facade-${options.index}`;
  const spoolDir = join(options.spoolRoot, source);
  const collector = new Collector(options.apiKey, { host: options.host, exitFlushTimeoutSeconds: 5, spoolDir });
  const experiment: Experiment = await collector.experiment(`soak-${options.runId}-${source}`, { meta: { soak: true, job: source } });
  const ledger = new Ledger();
  let stopped = false;

  const record = (step: number): void => {
    experiment.metric("train/loss", 1 / (step + 1), { step, metadata: { split: "train" } });
    ledger.metric("train/loss", step);
    experiment.metric("train/accuracy", step / (step + 100), { step, metadata: { split: "train" } });
    ledger.metric("train/accuracy", step);
    if (step % 10 === 0) {
      experiment.metric("eval/loss", 1.1 / (step + 1), { step, metadata: { split: "eval" } });
      ledger.metric("eval/loss", step);
    }
    if (step % 50 === 0) {
      const text = `${source}: checkpoint at step ${step}`;
      experiment.annotation(text, { metadata: { step, kind: "checkpoint" } });
      ledger.annotation(text);
    }
  };

  return {
    source,
    slug: experiment.slug,
    ledger,
    spoolDir,
    async produce() {
      await experiment.run(
        async () => {
          await tickUntil(
            () => stopped,
            (tick) => {
              for (let i = 0; i < STEPS_PER_TICK; i++) record(tick * STEPS_PER_TICK + i);
            },
          );
        },
        { installHooks: false },
      );
    },
    stop() {
      stopped = true;
    },
    async drain() {
      const reasons: string[] = [];
      try {
        await experiment.flushOrRaise({ retries: 20, timeoutSeconds: 120 });
      } catch (error) {
        if (!(error instanceof DeliveryIncompleteError)) throw error;
        reasons.push(error.message);
      }
      const stats = experiment.stats();
      if (stats.statusUpdates.pending + stats.statusUpdates.failed > 0) reasons.push(`status updates: ${stats.statusUpdates.pending} pending, ${stats.statusUpdates.failed} failed`);
      await collector.close();
      const { metrics: m, annotations: a } = stats;
      return {
        accepted: m.accepted + a.accepted,
        duplicates: m.duplicates + a.duplicates,
        dropped: m.dropped + a.dropped,
        failed: m.failed + a.failed,
        pending: m.pending + a.pending + stats.statusUpdates.pending,
        reasons: [...reasons, ...(stats.lastError && m.failed + a.failed + m.dropped + a.dropped > 0 ? [stats.lastError.message] : [])],
      };
    },
  };
}
