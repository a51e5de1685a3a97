/**
 * OTLP/HTTP response bodies, in the request's encoding:
 * - `ExportMetricsServiceResponse` / `ExportLogsServiceResponse` { 1: partial_success } with
 *   `Export{Metrics,Logs}PartialSuccess` { 1: int64 rejected_{data_points,log_records}, 2: error_message };
 *   a full success is the empty message (zero bytes, or `{}` in JSON).
 * - `google.rpc.Status` { 1: int32 code, 2: string message } for error responses.
 */

export type OtlpSignal = "metrics" | "logs";
export type OtlpEncoding = "protobuf" | "json";

/** The gRPC status codes the bridge's error bodies use (google.rpc.Code). */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface PartialSuccess {
  /** Data points (metrics) or log records (logs) the server did not accept. */
  rejected: number;
  errorMessage: string;
}

export const CONTENT_TYPES: Record<OtlpEncoding, string> = {
  protobuf: "application/x-protobuf",
  json: "application/json",
};

const utf8 = new TextEncoder();

/** An export response; `partialSuccess` is left out when nothing was rejected and there is no message. */
export function encodeExportResponse(signal: OtlpSignal, encoding: OtlpEncoding, partialSuccess?: PartialSuccess): Uint8Array {
  const partial = partialSuccess !== undefined && (partialSuccess.rejected > 0 || partialSuccess.errorMessage !== "") ? partialSuccess : undefined;
  if (encoding === "json") {
    if (partial === undefined) return utf8.encode("{}");
    const rejectedKey = signal === "metrics" ? "rejectedDataPoints" : "rejectedLogRecords";
    // int64 goes out as a decimal string, per the proto3 JSON mapping.
    return utf8.encode(JSON.stringify({ partialSuccess: { [rejectedKey]: String(partial.rejected), errorMessage: partial.errorMessage } }));
  }
  if (partial === undefined) return new Uint8Array(0);
  const inner: number[] = [];
  if (partial.rejected > 0) {
    writeKey(inner, 1, 0);
    writeVarint(inner, partial.rejected);
  }
  if (partial.errorMessage !== "") writeString(inner, 2, partial.errorMessage);
  const outer: number[] = [];
  writeKey(outer, 1, 2);
  writeVarint(outer, inner.length);
  return Uint8Array.from([...outer, ...inner]);
}

/** A `google.rpc.Status` error body (no details). */
export function encodeStatus(encoding: OtlpEncoding, code: number, message: string): Uint8Array {
  if (encoding === "json") return utf8.encode(JSON.stringify({ code, message }));
  const out: number[] = [];
  if (code !== 0) {
    writeKey(out, 1, 0);
    writeVarint(out, code);
  }
  if (message !== "") writeString(out, 2, message);
  return Uint8Array.from(out);
}

function writeKey(out: number[], field: number, wireType: number): void {
  writeVarint(out, field * 8 + wireType);
}

/** Non-negative integers up to 2^53 (the counts and codes written here). */
function writeVarint(out: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

function writeString(out: number[], field: number, text: string): void {
  const bytes = utf8.encode(text);
  writeKey(out, field, 2);
  writeVarint(out, bytes.length);
  for (const byte of bytes) out.push(byte);
}
