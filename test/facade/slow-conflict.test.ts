/**
 * A `create` (ifExists "error", the default) whose 409 comes late (a loaded Syvain, 3 s) still
 * raises `conflict` from `collector.experiment()`: the facade does not defer a creation that is
 * merely slow (the exporters do: answered-within.ts), since a deferred get-or-create would add this
 * run's events to the earlier run's experiment (found by an outside review of such a change).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { withEmulator } from "../exporter/otel/helpers.ts";

let root: string;
beforeAll(() => void (root = mkdtempSync(path.join(tmpdir(), "slow-conflict-"))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("a slug taken by an earlier run, answered 409 after 3 s: experiment() still raises conflict (ifExists defaults to error)", async () => {
  await withEmulator(async (emulator) => {
    const first = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: false });
    const earlier = await first.experiment("taken");
    earlier.metric("loss", 1, { step: 0 });
    await first.close();
    const collector = new Collector(emulator.apiKey, { host: emulator.url, spoolDir: path.join(root, "spool"), flushDelaySeconds: 0.01, timeout: 10 });
    const onWarning = (): void => undefined;
    process.on("warning", onWarning);
    // Syvain answers, slowly (3 s: a loaded server), but answers: 409, the slug exists.
    emulator.faults.random("createExperiment", { rate: 1, mix: [{ delayMs: 3000 }] });
    let outcome: unknown;
    try {
      const experiment = await collector.experiment("taken");
      outcome = experiment.id;
      for (let step = 0; step < 5; step++) experiment.metric("loss", 100 + step, { step: 100 + step });
      await experiment.flush();
    } catch (error) {
      outcome = error;
    } finally {
      await collector.close();
      process.off("warning", onWarning);
    }
    // This run's events were added to the earlier run's experiment:
    const steps = emulator.store.metrics("taken").map((m) => m.step);
    expect(steps, "events of the second run landed in the earlier run's experiment").toEqual([0]);
    expect(outcome).toMatchObject({ code: "conflict" });
  });
}, 30_000);
