/**
 * docs/emulator.md's "Reading data back" sample, verbatim between `// snippet` and `// end snippet`:
 * what another process (the demo, a script, a test) uses to see what the emulator stored: the
 * REST client of `syvain-metrics-otel/client`, and `GET /_emulator/stats`, which needs the key.
 */
import { describe, expect, it, vi } from "vitest";
import { Collector } from "syvain-metrics-otel";
import { createSyvainClient } from "syvain-metrics-otel/client";
import { startEmulator, type EmulatorStats } from "syvain-metrics-otel/testing";

describe("docs/emulator.md: reading data back", () => {
  it("reads the experiment, its series and annotations, and the stats, with the key", async () => {
    const emulator = await startEmulator();
    const collector = new Collector(emulator.apiKey, { host: emulator.url });
    const run = await collector.experiment("unit-test");
    await run.run(() => {
      for (let step = 0; step < 3; step++) run.metric("loss", 1 / (step + 1), { step });
      run.annotation("checkpoint");
    });
    await collector.close();
    const logged = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      // snippet
      const client = createSyvainClient({ apiKey: emulator.apiKey, host: emulator.url });
      const experiment = await client.getExperiment("unit-test"); // by slug or id
      const series = await client.querySeries({ experiment_id: experiment.id, metric_name: "loss" });
      const { annotations } = await client.listAnnotations(experiment.id);
      console.log(experiment.status, series[0]?.data.value, annotations.length); // e.g. done [ 1, 0.5, 0.333… ] 1: a finished run, three steps, one note
      await client.close();

      // The emulator's counters and per-experiment totals: the admin route needs the key too.
      const response = await fetch(`${emulator.url}/_emulator/stats`, { headers: { authorization: `Bearer ${emulator.apiKey}` } });
      const stats = (await response.json()) as EmulatorStats;
      console.log(stats.experiments, stats.counters.duplicatesSuppressed);
      // end snippet
      expect(logged).toHaveBeenNthCalledWith(1, "done", [1, 0.5, 1 / 3], 1);
      expect(stats.experiments).toHaveLength(1);
      const withoutKey = await fetch(`${emulator.url}/_emulator/stats`);
      expect(withoutKey.status).toBe(401);
    } finally {
      logged.mockRestore();
      await emulator.close();
    }
  });
});
