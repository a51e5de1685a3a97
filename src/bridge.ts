// `syvain-metrics-otel/bridge`: the OTLP/HTTP receiver that delivers to Syvain Metrics. Importing it
// loads the OTLP decoders, node:zlib and the OTel SDK; the root entry does not.
import "./node-version.ts";

export { createBridge } from "./bridge/create-bridge.ts";
export type { Bridge, BridgeCloseReport } from "./bridge/create-bridge.ts";
export type { BridgeOptions, BridgeExporters } from "./bridge/bridge-options.ts";
export type { BridgeLogEntry } from "./bridge/bridge-log.ts";
