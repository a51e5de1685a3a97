// `syvain-metrics-otel/testing`: the local Syvain Metrics emulator, for tests and demos.
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
