/**
 * `collector.close({ timeoutSeconds })`: one deadline for every experiment it closes, their OTel
 * views included, instead of `exitFlushTimeoutSeconds` (30 s here). Syvain creates experiments and
 * never answers an upload (a hanging server): close() must give up at the caller's deadline, abort
 * the hung requests, and count what it did not deliver. No wall-clock assertion: close() must end
 * before a timer set well inside the exit deadline, and the server must have seen its requests
 * aborted by then.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Collector } from "../../src/facade/index.ts";
import { startHangingServer, type HangingServer } from "./hanging-server.ts";

/** Well past the caller's 1 s, well before the collector's own 30 s. */
const EXIT_DEADLINE_NOT_REACHED_MS = 15_000;

let server: HangingServer;
beforeAll(async () => void (server = await startHangingServer()));
afterAll(async () => server.close());

describe("collector.close({ timeoutSeconds })", () => {
  it("closes every experiment and its OTel view by the caller's deadline, counting what was not delivered", async () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const collector = new Collector(server.apiKey, { host: server.host, spoolDir: false, exitFlushTimeoutSeconds: 30, flushDelaySeconds: 0.01 });
    const experiment = await collector.experiment("close-timeout");
    experiment.metric("loss", 0.5, { step: 1 });
    experiment.createMeterProvider().getMeter("m").createGauge("otel_loss").record(0.4, { step: 1 });
    await vi.waitFor(() => expect(server.hung).toBeGreaterThanOrEqual(1), { timeout: 5_000 });
    let exitDeadlineNotReached = true;
    const late = setTimeout(() => (exitDeadlineNotReached = false), EXIT_DEADLINE_NOT_REACHED_MS);
    const statuses = await collector.close({ timeoutSeconds: 1 });
    clearTimeout(late);
    expect(exitDeadlineNotReached).toBe(true);
    const [closed] = statuses;
    // The experiment's own point and its view's, neither delivered.
    expect(closed?.status).toMatchObject({ ok: false });
    expect(closed!.status.pendingMetrics + closed!.status.failedMetrics).toBe(2);
    await vi.waitFor(() => expect(server.aborted).toBe(server.hung), { timeout: 5_000 });
  }, 45_000);
});
