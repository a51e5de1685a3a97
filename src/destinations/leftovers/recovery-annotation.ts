/** The annotation a replay adds to a run whose process died while it was `running`. */
import type { AnnotationEvent } from "../../api/contract.ts";
import type { StatusRecord } from "../../delivery/journal/spool-records.ts";
import { replayKey } from "./replay-key.ts";

export function recoveryAnnotation(slug: string, lastStatus: StatusRecord, metrics: number, annotations: number): AnnotationEvent {
  return {
    // Derived from the run's last status record: replaying the same leftovers twice adds one note.
    client_event_id: replayKey("recovery", slug, [String(lastStatus.t), lastStatus.s]).slice(0, 80),
    text:
      `The run ended without finishing: its process stopped while the run was ${lastStatus.s} ` +
      `(last status queued at ${new Date(lastStatus.t).toISOString()}). Recovered from the local spool: ` +
      `${metrics} metric point(s) and ${annotations} annotation(s). Marked failed by the SDK.`,
    // The run's last status time, not now: a replay stopped after the note and read again later
    // sends the same body under the same Idempotency-Key (a new one would be refused as a reuse).
    timestamp: lastStatus.t,
    metadata: { source: "syvain-spool-recovery", recovered_metrics: metrics, recovered_annotations: annotations },
  };
}
