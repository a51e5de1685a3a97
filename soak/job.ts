/** What the soak runs: a source that produces until stopped, then drains and reports its counts. */
import { setTimeout as sleep } from "node:timers/promises";
import type { ClientCounts, Ledger } from "./ledger.ts";

export interface SoakJob {
  readonly source: string;
  readonly slug: string;
  readonly ledger: Ledger;
  /** The job's own spool directory (closed by `drain()`), synced and counted afterwards; none for the bridge sender. */
  readonly spoolDir?: string;
  /** Produces until `stop()`; resolves when production has ended. */
  produce(): Promise<void>;
  stop(): void;
  /** After the faults are cleared: delivers everything and reports what the client side counted. */
  drain(): Promise<ClientCounts>;
}

/** Milliseconds between two production ticks: a training loop's own pace, not a flood. */
export const TICK_MS = 20;

/** Calls `tick(n)` every TICK_MS until `stopped()`; returns the number of ticks. */
export async function tickUntil(stopped: () => boolean, tick: (n: number) => void): Promise<number> {
  let n = 0;
  while (!stopped()) {
    tick(n++);
    await sleep(TICK_MS);
  }
  return n;
}
