/**
 * Deadlines as epoch milliseconds (`Infinity`: none), for the awaited parts of delivery: a flush,
 * a close, an exporter's drain. The timer is ref'd on purpose: someone awaits it.
 */

/** Waits for `promise` to settle, but not past `deadline`; true when it settled first. */
export async function waitUntil(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  const settled = promise.then(
    () => true,
    () => true,
  );
  if (deadline === Infinity) return settled;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  const first = await Promise.race([settled, expired]);
  clearTimeout(timer);
  return first;
}

/** Node fires a longer `setTimeout` at once (with a TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The deadline `seconds` from now; none without a number, nor beyond the longest timer (24.8
 * days), which would otherwise fire at once and end the wait it was meant to bound.
 */
export function deadlineIn(seconds: number | undefined): number {
  return seconds === undefined || seconds * 1000 > MAX_TIMER_MS ? Infinity : Date.now() + seconds * 1000;
}

/** Seconds left until `deadline`, never negative; `undefined` (no bound) for no deadline. */
export function secondsUntil(deadline: number): number | undefined {
  return deadline === Infinity ? undefined : Math.max(0, (deadline - Date.now()) / 1000);
}
