/**
 * The exporters report through OpenTelemetry's own `diag` channel, like every other OTel
 * component: users who already set `diag.setLogger(...)` see our warnings next to the SDK's.
 * A component logger resolves the global logger at call time, so creating it at import is safe.
 *
 * `diag` passes a logger's exceptions through, and we log from promise callbacks and from the
 * middle of an export: a throwing logger must not leave an export unanswered, fail an experiment's
 * creation or surface as an unhandled rejection. Diagnostics are best effort, so they are dropped.
 */
import { diag, type DiagLogFunction, type DiagLogger } from "@opentelemetry/api";

const DIAG_NAMESPACE = "syvain-metrics-otel";

const componentLogger = diag.createComponentLogger({ namespace: DIAG_NAMESPACE });

/** One level of the component logger, minus its exceptions: a broken logger loses the line, never the export. */
const neverThrows =
  (level: keyof DiagLogger): DiagLogFunction =>
  (message, ...args) => {
    try {
      componentLogger[level](message, ...args);
    } catch {
      // Dropped on purpose (see above).
    }
  };

export const exporterDiag: DiagLogger = {
  error: neverThrows("error"),
  warn: neverThrows("warn"),
  info: neverThrows("info"),
  debug: neverThrows("debug"),
  verbose: neverThrows("verbose"),
};
