/**
 * A deadline an owner gives the force-flushes it drives through the OpenTelemetry SDK: a facade
 * experiment's `flushOrRaise({ timeoutSeconds })` flushes its OTel view with `provider.forceFlush()`,
 * and the SDK calls our exporter's `forceFlush()`, which takes no arguments. The deadline follows
 * that call chain (through the SDK's awaits) so the exporter drains until the owner's deadline
 * instead of its own `flushTimeoutSeconds`: one deadline for the whole flush.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const scope = new AsyncLocalStorage<number>();

/** Runs `work` with `deadline` (epoch ms) as the deadline of the exporters' force-flushes it causes. */
export function withFlushDeadline<T>(deadline: number, work: () => T): T {
  return scope.run(deadline, work);
}

/** The deadline an owner set for this force-flush, if any. */
export function ownerFlushDeadline(): number | undefined {
  return scope.getStore();
}
