/**
 * The result discipline of an OTel exporter: `export()` calls its callback exactly once and never
 * throws. A callback that throws must not make us call it a second time (from a `catch`), so the
 * guard records the call before making it and reports a throwing callback to `diag` instead.
 */
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { exporterDiag } from "./diag-logger.ts";

export type ResultCallback = (result: ExportResult) => void;

export interface SettleOnce {
  succeed(): void;
  fail(error: Error): void;
  readonly settled: boolean;
}

export function settleOnce(callback: ResultCallback): SettleOnce {
  let settled = false;
  const settle = (result: ExportResult): void => {
    if (settled) return;
    settled = true;
    try {
      callback(result);
    } catch (error) {
      exporterDiag.error("export result callback threw", error);
    }
  };
  return {
    succeed: () => settle({ code: ExportResultCode.SUCCESS }),
    fail: (error) => settle({ code: ExportResultCode.FAILED, error }),
    get settled() {
      return settled;
    },
  };
}
