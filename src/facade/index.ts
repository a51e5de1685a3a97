// The facade's public surface (re-exported by `src/index.ts`).
export { Collector } from "./collector.ts";
export { JsonlCollector, NoopCollector } from "./local-collectors.ts";
export { Experiment, type RunScope } from "./experiment.ts";
export { facadeLimits } from "./limits.ts";
export type { CloseOptions, ExperimentCloseStatus } from "./collector-base.ts";
export type { CollectorOptions, JsonlCollectorOptions, LocalCollectorOptions } from "./collector-options.ts";
export type { ExperimentOptions } from "./experiment-options.ts";
export type { AnnotationOptions, ExperimentStats, FlushOrRaiseOptions, MetricOptions, RunOptions } from "./experiment-types.ts";
export type { ViewStats } from "./otel-view.ts";
export type { ExperimentLoggerProviderOptions, ExperimentMeterProviderOptions } from "./otel-view.ts";
