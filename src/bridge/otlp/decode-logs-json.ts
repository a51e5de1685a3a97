/**
 * OTLP/JSON `ExportLogsServiceRequest` → SDK `ReadableLogRecord[]`. Trace and span ids are hex
 * (as the OTLP/JSON spec says, unlike other `bytes` fields, which are base64).
 */
import { z } from "zod";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { DecodeOptions, DecodedLogsRequest } from "./decoded-types.ts";
import { buildLogRecord, logScope, type LogFields } from "./log-shapes.ts";
import { anyValue, attributes, enumeration, hexId, nanos, optionalString, parseOtlpJson, resource, scope, uint32 } from "./otlp-json-common.ts";
import { RejectionTally, currentHrTime, sdkResource } from "./sdk-shapes.ts";

/** `SEVERITY_NUMBER_TRACE` = 1 … `SEVERITY_NUMBER_FATAL4` = 24. */
const SEVERITY_NAMES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"].forEach((level, i) => {
  SEVERITY_NAMES[`SEVERITY_NUMBER_${level}`] = i * 4 + 1;
  for (let n = 2; n <= 4; n++) SEVERITY_NAMES[`SEVERITY_NUMBER_${level}${n}`] = i * 4 + n;
});

const time = nanos.nullish().transform((v) => v ?? 0n);

const logRecord = z
  .object({
    timeUnixNano: time,
    observedTimeUnixNano: time,
    severityNumber: enumeration(SEVERITY_NAMES).nullish(),
    severityText: optionalString,
    body: anyValue.nullish(),
    attributes,
    droppedAttributesCount: uint32.nullish(),
    flags: uint32.nullish(),
    traceId: hexId(16).nullish(),
    spanId: hexId(8).nullish(),
    eventName: optionalString,
  })
  .transform(
    (r): LogFields => ({
      timeNanos: r.timeUnixNano,
      observedTimeNanos: r.observedTimeUnixNano,
      severityNumber: r.severityNumber ?? 0,
      severityText: r.severityText,
      body: r.body ?? undefined,
      attributes: r.attributes,
      droppedAttributesCount: r.droppedAttributesCount ?? 0,
      flags: r.flags ?? 0,
      traceId: r.traceId ?? "",
      spanId: r.spanId ?? "",
      eventName: r.eventName,
    }),
  );

const request = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource,
        schemaUrl: optionalString,
        scopeLogs: z.array(z.object({ scope, schemaUrl: optionalString, logRecords: z.array(logRecord).nullish() })).nullish(),
      }),
    )
    .nullish(),
});

export function decodeLogsJson(body: Uint8Array | string, options: DecodeOptions = {}): DecodedLogsRequest {
  const parsed = parseOtlpJson(body, request);
  const receivedAt = options.receivedAt ?? currentHrTime();
  const logRecords: ReadableLogRecord[] = [];
  for (const rl of parsed.resourceLogs ?? []) {
    const sdkResourceObject = sdkResource(rl.resource, rl.schemaUrl);
    for (const sl of rl.scopeLogs ?? []) {
      const scopeObject = logScope(sl.scope, sl.schemaUrl);
      for (const fields of sl.logRecords ?? []) logRecords.push(buildLogRecord(fields, sdkResourceObject, scopeObject, receivedAt));
    }
  }
  return { logRecords, rejected: new RejectionTally().result() };
}
