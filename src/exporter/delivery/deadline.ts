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

/** The deadline `seconds` from now; none without a number. */
export function deadlineIn(seconds: number | undefined): number {
  return seconds === undefined ? Infinity : Date.now() + seconds * 1000;
}

/** Seconds left until `deadline`, never negative. */
export function secondsUntil(deadline: number): number {
  return Math.max(0, (deadline - Date.now()) / 1000);
}
