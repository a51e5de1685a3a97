/**
 * The end of a loss report when the events have a spool: the loss is not final, so say where they
 * wait and what delivers them. Shared by the facade's exit reports and the exporters' shutdown
 * account. Outside `journal/`: the root entry loads it, and must not load the spool engine.
 */
import type { SpoolKeeping } from "./journal/outbox-journal.ts";

/** `""` without a spool; else where the undelivered events wait, and which ones do not. */
export function keptOnDiskNote(kept: SpoolKeeping | undefined): string {
  if (kept === undefined) return "";
  const exceptions = [
    ...(kept.notSpooled === 0 ? [] : [`${kept.notSpooled} events the spool refused earlier`]),
    ...(kept.refused === 0 ? [] : [`${kept.refused} events Syvain refused for good, which are not kept`]),
  ];
  const except = exceptions.length === 0 ? "" : ` (except ${exceptions.join(" and ")})`;
  return `; kept on disk in ${kept.dir}${except}: the next run on that spool directory, or syvain-otel sync, delivers them`;
}
