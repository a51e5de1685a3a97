/**
 * The README's emulator sample, verbatim between `// snippet` and `// end snippet`: scripted faults,
 * then the facade retrying through them, then a look at what the emulator stored.
 */
import { describe, expect, it, vi } from "vitest";
import { Collector } from "syvain-metrics-otel";
import { startEmulator } from "syvain-metrics-otel/testing";

describe("README: testing your code with the emulator", () => {
  it("retries through scripted faults and stores the point once", async () => {
    const logged = vi.spyOn(console, "log").mockImplementation(() => undefined);
    // snippet
    const emulator = await startEmulator(); // on 127.0.0.1, a free port
    const collector = new Collector(emulator.apiKey, { host: emulator.url });
    const experiment = await collector.experiment("unit-test");

    // The next two metric uploads fail: a 503 with Retry-After, then "stored, but the answer is lost".
    emulator.faults.script("ingestMetrics", [{ status: 503, retryAfterSeconds: 1 }, { storeThenFail: "reset" }]);
    experiment.metric("loss", 0.5, { step: 0 });
    await experiment.flushOrRaise({ retries: 5 });

    const stored = emulator.store.metrics("unit-test");
    console.log(stored.length, emulator.counters.duplicatesSuppressed); // 1 1
    await collector.close();
    await emulator.close();
    // end snippet
    expect(logged).toHaveBeenCalledWith(1, 1);
    expect(stored).toMatchObject([{ name: "loss", value: 0.5, step: 0 }]);
    expect(emulator.counters.faultsInjected).toBe(2);
  });
});
