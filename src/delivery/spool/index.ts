/** The disk spool engine: public surface for the outbox, the bridge and `syvain-otel sync`. */
export { openSpool, Spool, type RecordRef } from "./spool.ts";
export type { SpoolOptions } from "./spool-options.ts";
export type { SpoolStats } from "./spool-stats.ts";
export { SpoolError, type SpoolErrorCode } from "./spool-errors.ts";
export type { BacklogRecord } from "./backlog-reader.ts";
export { BacklogRef } from "./segment-state.ts";
export type { AdoptResult } from "./adopt.ts";
export { readSpoolHost, scanSpool, type ScanOptions, type SpoolScan, type ScannedWriter } from "./scan.ts";
export type { LivenessOptions } from "./process-identity.ts";
export { nodeSpoolFs, type SpoolFs } from "./spool-fs.ts";
export { crc32c } from "./crc32c.ts";
export { JsonEnvelope } from "./json-envelope.ts";
export { MAX_RECORD_PAYLOAD_BYTES } from "./record-format.ts";
