/**
 * The exporters report through OpenTelemetry's own `diag` channel, like every other OTel
 * component: users who already set `diag.setLogger(...)` see our warnings next to the SDK's.
 * A component logger resolves the global logger at call time, so creating it at import is safe.
 */
import { diag, type DiagLogger } from "@opentelemetry/api";

export const DIAG_NAMESPACE = "syvain-metrics-otel";

export const exporterDiag: DiagLogger = diag.createComponentLogger({ namespace: DIAG_NAMESPACE });
