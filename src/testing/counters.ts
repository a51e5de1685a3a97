/** What the emulator has seen since it started (not persisted). */
export interface EmulatorCounters {
  /** Requests per route name (`ingestMetrics`, ..., `adminStats`, `adminFaults`, `unmatched`). */
  requests: Record<string, number>;
  /** Answers per HTTP status (injected faults included; resets are not answers). */
  responses: Record<string, number>;
  metricsAccepted: number;
  annotationsAccepted: number;
  /** Events (metrics and annotations) whose `client_event_id` was already stored. */
  duplicatesSuppressed: number;
  /** Requests answered from the idempotency store without being applied again. */
  idempotentReplays: number;
  /** Requests refused with `422 idempotency_key_reused`. */
  idempotencyConflicts: number;
  /** Faults injected, in total and per kind. */
  faultsInjected: number;
  faultsByKind: { status: number; delay: number; reset: number; storeThenFail: number };
}

export function emptyCounters(): EmulatorCounters {
  return {
    requests: {},
    responses: {},
    metricsAccepted: 0,
    annotationsAccepted: 0,
    duplicatesSuppressed: 0,
    idempotentReplays: 0,
    idempotencyConflicts: 0,
    faultsInjected: 0,
    faultsByKind: { status: 0, delay: 0, reset: 0, storeThenFail: 0 },
  };
}

export function copyCounters(c: EmulatorCounters): EmulatorCounters {
  return { ...c, requests: { ...c.requests }, responses: { ...c.responses }, faultsByKind: { ...c.faultsByKind } };
}

export function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}
