/**
 * The Python SDK's "Basic Usage", in TypeScript. Run it with `npm run demo` (no account needed), or
 * against Syvain Metrics: `SYVAIN_METRICS_API_KEY=ak_org_... node examples/quickstart.ts`.
 * The key comes from SYVAIN_METRICS_API_KEY and the host from SYVAIN_METRICS_HOST (default
 * https://metrics.syvain.com). QUICKSTART_SLUG names the experiment (one experiment per run).
 */
// snippet: the README shows from here to "end snippet"
import { Collector } from "syvain-metrics-otel";

const slug = process.env.QUICKSTART_SLUG ?? `mamba-run-${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}`;

const collector = new Collector();

const experiment = await collector.experiment(slug, {
  description: "Baseline mamba training run",
  meta: {
    model: "mamba",
    dataset: "internal-v1",
    seed: 7,
  },
});

await experiment.run(() => {
  for (let step = 0; step < 1_000; step++) {
    const loss = 1.0 / (step + 1);
    experiment.metric("loss", loss, { step, metadata: { split: "train" } });
    if (step % 100 === 99) experiment.metric("loss", loss * 1.1 + 0.01, { step, metadata: { split: "validation" } });
  }

  experiment.annotation("saved checkpoint", {
    metadata: { path: `checkpoints/${slug}/step-999.pt` },
  });
});

await experiment.flushOrRaise();
await collector.close();
console.log(`experiment ${experiment.slug} (${experiment.id}): ${experiment.status}`);
// end snippet
