/**
 * The one step between a decoded request and its answer: the sender gets 200 only once
 * `accept()` resolves, so what a 200 promises is decided here and nowhere else.
 *
 * Today the only intake is `memoryIntake`: "the exporters' in-memory queues took the data" (for a
 * new experiment, once it exists) — a 200 survives a slow Syvain but not the process dying.
 * A disk spool plugs in as another `BridgeIntake` whose `accept()` resolves once the events are
 * appended and synced, with `durable: true`; the shutdown path reads `durable` to tell "left on
 * disk" from "lost".
 */
import type { ExportResult } from "@opentelemetry/core";
import type { BridgeExporters } from "./bridge-options.ts";
import type { ExportCall } from "./export-calls.ts";

export interface BridgeIntake {
  /** True when accepted data survives the process (a spool): pending data at exit is then not lost. */
  readonly durable: boolean;
  /** Hands the calls over; resolves with one result per call once what a 200 promises holds. */
  accept(calls: readonly ExportCall[]): Promise<ExportResult[]>;
}

export function memoryIntake(exporters: BridgeExporters): BridgeIntake {
  return {
    durable: false,
    accept: (calls) => Promise.all(calls.map((call) => call.run(exporters))),
  };
}
