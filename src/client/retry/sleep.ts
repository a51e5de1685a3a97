/**
 * `setTimeout` as a promise that an `AbortSignal` interrupts (rejecting with the signal's reason).
 * The timer is ref'd on purpose: this is the wait between two attempts of a call someone awaits,
 * and an unref'd one let the process end with that call unsettled (no catch ever ran). Background
 * work that must not keep a process alive uses its own unref'd timers, not this.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
