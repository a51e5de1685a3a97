/**
 * Metric events shaped like the facade's (`Experiment.metric()`): a run token + base-36 sequence
 * as `client_event_id`, a few names, a step, a millisecond timestamp and a fresh small metadata
 * object per call, as validation copies the caller's.
 */
import type { MetricEvent } from "../src/api/contract.ts";

const NAMES = ["train/loss", "train/accuracy", "train/lr", "eval/loss"] as const;

export function facadeLikeEvent(runToken: string, seq: number, timestamp: number): MetricEvent {
  return {
    client_event_id: `${runToken}.${seq.toString(36)}`,
    name: NAMES[seq & 3]!,
    value: Math.random(),
    step: seq >> 2,
    timestamp,
    metadata: { split: "train" },
  };
}
