// The request state machine: each transition, and what it leaves in the fields the outbox reads.
import { describe, expect, it } from "vitest";
import { afterFailure, beginAttempt, newEventRequest, park, PARKED_RETRY_MS, settleRequest, wake } from "../../src/delivery/delivery-request.ts";
import { invalid, metric, unavailable } from "./scripted-sink.ts";

const NOW = 1_000_000;
const fresh = () => newEventRequest("metric", [metric()], 0, 0);

describe("delivery request transitions", () => {
  it("queued → in_flight → waiting (backoff, Retry-After as a floor) → in_flight → accepted", () => {
    const request = fresh();
    expect(request.state).toBe("queued");
    beginAttempt(request, undefined);
    expect(request).toMatchObject({ state: "in_flight", flushAttempt: false });
    expect(afterFailure(request, unavailable(2_000), null, NOW, 0.5)).toEqual({ retry: true, at: NOW + 2_000, notBefore: NOW + 2_000 });
    expect(request).toMatchObject({ state: "waiting", failures: 1, notBefore: NOW + 2_000, dueAt: NOW + 2_000 });
    beginAttempt(request, undefined);
    settleRequest(request, "accepted");
    expect(request.state).toBe("accepted");
  });

  it("a permanent error is not retried and does not spend the retry budget", () => {
    const request = fresh();
    beginAttempt(request, undefined);
    expect(afterFailure(request, invalid(), 5, NOW, 0)).toEqual({ retry: false, reason: "permanent" });
    expect(request).toMatchObject({ state: "in_flight", failures: 0 });
    settleRequest(request, "failed");
    expect(request.state).toBe("failed");
  });

  it("background attempts spend maxRetries; a flush round's attempts do not", () => {
    const request = fresh();
    for (let i = 0; i < 2; i++) {
      beginAttempt(request, undefined);
      expect(afterFailure(request, unavailable(), 2, NOW, 0).retry).toBe(true);
    }
    beginAttempt(request, 7);
    expect(afterFailure(request, unavailable(), 2, NOW, 0).retry).toBe(true);
    expect(request).toMatchObject({ failures: 2, round: 7, flushAttempt: true });
    beginAttempt(request, undefined);
    expect(afterFailure(request, unavailable(), 2, NOW, 0)).toEqual({ retry: false, reason: "retries_exhausted" });
  });

  it("wake makes a waiting request due now, but never before its Retry-After", () => {
    const backingOff = fresh();
    beginAttempt(backingOff, undefined);
    afterFailure(backingOff, unavailable(), null, NOW, 0.99);
    expect(backingOff.dueAt).toBeGreaterThan(NOW);
    wake(backingOff, NOW + 1);
    expect(backingOff.dueAt).toBe(NOW + 1);

    const toldToWait = fresh();
    beginAttempt(toldToWait, undefined);
    afterFailure(toldToWait, unavailable(30_000), null, NOW, 0);
    wake(toldToWait, NOW + 1);
    expect(toldToWait.dueAt).toBe(NOW + 30_000);

    const inFlight = fresh();
    beginAttempt(inFlight, undefined);
    wake(inFlight, NOW);
    expect(inFlight).toMatchObject({ state: "in_flight", dueAt: 0 });
  });
});

describe("a parked request (maxRetries spent, a spool keeps it)", () => {
  it("the background tries it again only once a minute, a success elsewhere wakes it, a flush round may too", () => {
    const request = fresh();
    beginAttempt(request, undefined);
    expect(afterFailure(request, unavailable(3_000), 0, NOW, 0)).toEqual({ retry: false, reason: "retries_exhausted" });
    park(request, unavailable(3_000), NOW);
    // Never again (review 15): parked batches held the memory window for the rest of the process.
    expect(request).toMatchObject({ state: "waiting", parked: true, notBefore: NOW + 3_000, dueAt: NOW + PARKED_RETRY_MS });
    wake(request, NOW + 5_000);
    expect(request.dueAt).toBe(NOW + 5_000);
    // A flush round's attempt fails too: retried by the next round (after Retry-After), by the background at its slow cadence.
    beginAttempt(request, 3);
    expect(afterFailure(request, unavailable(1_000), 0, NOW, 0)).toMatchObject({ retry: true, notBefore: NOW + 1_000 });
    expect(request).toMatchObject({ state: "waiting", parked: true, notBefore: NOW + 1_000, dueAt: NOW + PARKED_RETRY_MS });
    beginAttempt(request, 4);
    settleRequest(request, "accepted");
    expect(request.state).toBe("accepted");
  });
});
