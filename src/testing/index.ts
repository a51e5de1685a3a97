/**
 * `syvain-metrics-otel/testing`: the local Syvain Metrics emulator, for tests and demos.
 *
 * @example
 * ```ts
 * import { startEmulator } from "syvain-metrics-otel/testing";
 *
 * await using emulator = await startEmulator(); // 127.0.0.1, a free port
 * process.env.SYVAIN_METRICS_HOST = emulator.url;
 * process.env.SYVAIN_METRICS_API_KEY = emulator.apiKey;
 * emulator.faults.script("ingestMetrics", [{ status: 503, retryAfterSeconds: 1 }, { storeThenFail: "reset" }]);
 * // ... run the code under test ...
 * expect(emulator.store.metrics("my-run")).toHaveLength(100);
 * expect(emulator.counters.duplicatesSuppressed).toBeGreaterThan(0);
 * ```
 */
export { EMULATOR_API_KEY, startEmulator } from "./emulator.ts";
export type { Emulator, EmulatorFolderSeed, EmulatorOptions, EmulatorStats } from "./emulator.ts";
export type { EmulatorCounters } from "./counters.ts";
export type { EmulatorStoreView, ExperimentTotals } from "./store-view.ts";
export { DEFAULT_FAULT_MIX, FaultController, emulatorRoutes } from "./faults.ts";
export type {
  DelayFault,
  EmulatorRoute,
  FaultAction,
  FaultMixEntry,
  FaultPlan,
  FaultRoute,
  RandomFaults,
  ResetFault,
  StatusFault,
  StoreThenFailFault,
} from "./faults.ts";
