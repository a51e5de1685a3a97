/**
 * INTEGRATION POINT: the spool half of `syvain-otel sync`. The spool engine's
 * `deliverLeftovers(options)` (being wired in `src/delivery/spool/`) replays dead processes' spool
 * directories; until it is merged, this adapter reports that spool directories cannot be synced
 * yet. To plug it in, replace the body of `loadDeliverLeftovers` with:
 *
 *   const { deliverLeftovers } = await import("../../delivery/spool/index.ts");
 *   return deliverLeftovers;
 *
 * Loaded lazily, so a JSONL-only sync does not pay for the spool engine's imports.
 */
import type { DeliverLeftovers } from "./sync-source.ts";

/** `undefined` while the spool engine does not export `deliverLeftovers`. */
export function loadDeliverLeftovers(): Promise<DeliverLeftovers | undefined> {
  return Promise.resolve(undefined);
}

/** A directory the spool engine wrote has this file at its top. */
export { FORMAT_FILE as SPOOL_FORMAT_FILE } from "../../delivery/spool/spool-layout.ts";
