/**
 * The result discipline of an OTel exporter: `export()` calls its callback exactly once and never
 * throws. A callback that throws must not make us call it a second time (from a `catch`), so the
 * guard records the call before making it and reports a throwing callback to `diag` instead.
 */
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { exporterDiag } from "./diag-logger.ts";

export type ResultCallback = (result: ExportResult) => void;

/**
 * What the Syvain exporters pass their `export()` callback: an OTel `ExportResult` plus the number
 * of data points / log records of this export that the mapping rejected (also counted in
 * `stats()[].invalid`). The bridge reports it as OTLP partial success; the SDK ignores it.
 */
export interface SyvainExportResult extends ExportResult {
  invalid: number;
}

export interface SettleOnce {
  succeed(invalid?: number): void;
  fail(error: Error, invalid?: number): void;
}

export function settleOnce(callback: ResultCallback): SettleOnce {
  let settled = false;
  const settle = (result: SyvainExportResult): void => {
    if (settled) return;
    settled = true;
    try {
      callback(result);
    } catch (error) {
      exporterDiag.error("export result callback threw", error);
    }
  };
  return {
    succeed: (invalid = 0) => settle({ code: ExportResultCode.SUCCESS, invalid }),
    fail: (error, invalid = 0) => settle({ code: ExportResultCode.FAILED, error, invalid }),
  };
}
