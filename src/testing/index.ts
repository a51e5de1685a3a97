// `syvain-metrics-otel/testing`: the local Syvain Metrics emulator, for tests and demos.
export {};
