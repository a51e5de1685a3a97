/** What a replay of dead processes' spool directories did (`deliverLeftovers`, a Collector's resume). */
export interface LeftoverCounts {
  /** Dead writer directories taken over. */
  adoptedDirs: number;
  /** Experiments that had records to replay. */
  experiments: number;
  /** Events delivered (accepted by Syvain, including duplicates of earlier deliveries). */
  metrics: number;
  annotations: number;
  /** Of those, events Syvain already had (a resend, deduplicated by `client_event_id`). */
  duplicates: number;
  statusUpdates: number;
  /** Runs left `running` by a dead process, now marked `failed` with an annotation. */
  crashedRuns: number;
  /** Events Syvain refused for good (acknowledged as failed, never resent). */
  failed: number;
  /**
   * Events of runs whose deferred or offline `create` (ifExists "error") found the slug taken by
   * another run: kept, not sent, never added to that run's experiment (`ReplayResult.keptRuns`).
   */
  kept: number;
  /** Records this version cannot read (left on disk). */
  skipped: number;
  /** Records left on disk because delivery stopped (outage, abort): the next run or sync sends them. */
  remaining: number;
}

export function zeroCounts(): LeftoverCounts {
  return {
    adoptedDirs: 0,
    experiments: 0,
    metrics: 0,
    annotations: 0,
    duplicates: 0,
    statusUpdates: 0,
    crashedRuns: 0,
    failed: 0,
    kept: 0,
    skipped: 0,
    remaining: 0,
  };
}

/** The counts of two replays of one sync (the host's spool, then the kept runs renamed). */
export function addCounts(a: LeftoverCounts, b: LeftoverCounts): LeftoverCounts {
  const sum = zeroCounts();
  for (const name of Object.keys(sum) as (keyof LeftoverCounts)[]) sum[name] = a[name] + b[name];
  return sum;
}
