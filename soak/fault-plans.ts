/**
 * Random fault plans for the soak, from a seeded generator (the same `--seed` replays the same
 * plans): a failure rate per ingest and status route and a mix of HTTP statuses (with and without
 * Retry-After), connection resets, store-then-fail (stored, then a 500 or a reset: the retry must be
 * deduplicated) and slow answers. Experiment creation is left alone: it is required state, and a
 * job that cannot create its experiment fails loudly by design (not a delivery question).
 */
import type { FaultMixEntry, FaultPlan } from "../src/testing/index.ts";

export const SOAK_FAULT_MIX: readonly FaultMixEntry[] = [
  { status: 429, retryAfterSeconds: 1, weight: 1 },
  { status: 503, retryAfterSeconds: 1, weight: 1 },
  { status: 500, weight: 1 },
  { status: 502, weight: 1 },
  { status: 504, weight: 1 },
  { reset: true, weight: 2 },
  { storeThenFail: 500, weight: 2 },
  { storeThenFail: "reset", weight: 2 },
  { delayMs: 300, weight: 1 },
  { delayMs: 1_500, weight: 1 },
];

const FAULTED_ROUTES = ["ingestMetrics", "ingestAnnotations", "updateExperiment"] as const;

/** A new plan: each faulted route fails between 5% and 35% of its requests. */
export function randomFaultPlan(random: () => number): FaultPlan {
  const plan: NonNullable<FaultPlan["random"]> = {};
  for (const route of FAULTED_ROUTES) {
    plan[route] = { rate: 0.05 + random() * 0.3, seed: Math.floor(random() * 2 ** 31), mix: [...SOAK_FAULT_MIX] };
  }
  return { random: plan };
}
