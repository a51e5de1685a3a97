/**
 * The timeline of the bridge's shutdown, all within one deadline (`--shutdown-timeout` from its
 * start): the requests in flight are answered (or cut at the deadline, their sockets closed), then
 * the exporters drain what was accepted until that same deadline, which they are told
 * (`flush-deadline.ts`): they used to count their own `shutdownTimeoutSeconds` from the moment the
 * requests were answered, and the wait for them was stretched to at least 1 s, so with requests
 * that used the deadline up, `shutdown.done` and the exit came ~1 s late. What is left after it (the
 * spool's final state) is the caller's.
 */
import { waitUntil } from "../delivery/deadline.ts";
import { withFlushDeadline } from "../exporter/otel/flush-deadline.ts";

export interface DrainSteps {
  /** Settles once every request in flight has been answered. */
  inFlight: () => Promise<unknown>;
  /** Once the requests are answered or the deadline passed: stop the server (closes what is left open). */
  stopServing: () => Promise<void>;
  /** Drains the exporters (and what earlier bridges left), run with the deadline as theirs. */
  drain: () => Promise<unknown>;
}

/** Runs the steps within `deadline` (epoch ms); true when the drain settled before it. */
export async function drainWithin(deadline: number, steps: DrainSteps): Promise<boolean> {
  await waitUntil(steps.inFlight(), deadline);
  await steps.stopServing();
  // Settled either way: a drain that fails has said why (the exporters warn), and ends the wait as well.
  const drained = withFlushDeadline(deadline, steps.drain).catch(() => undefined);
  // Requests that used the deadline up leave the drain nothing: the exporters, told so, close at once
  // (abandoning what they could not deliver), and the wait for them adds not even a timer's turn.
  return Date.now() >= deadline ? false : waitUntil(drained, deadline);
}
