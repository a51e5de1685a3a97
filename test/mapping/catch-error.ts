/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
