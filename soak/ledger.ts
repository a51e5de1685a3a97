/**
 * What each source sent, and the check against what the server stored: every sent event stored
 * exactly once, or missing but accounted for as dropped (with a reason) by the client side.
 * Metric events are keyed by (name, step) — each source sends each pair once — and annotations by
 * their text, so a retry that slipped past dedup with a new id would show up as "stored twice".
 */
import { noSpool, type SpoolCounts } from "./spool-sync.ts";

export interface ClientCounts {
  accepted: number;
  /** Events the server answered as already stored (the retry of a batch that was stored). */
  duplicates: number;
  dropped: number;
  failed: number;
  pending: number;
  /** One line per cause of `dropped` / `failed`. */
  reasons: string[];
}

export interface StoredEvents {
  metrics: Map<string, number>;
  annotations: Map<string, number>;
}

export interface SourceReport extends ClientCounts {
  source: string;
  slug: string;
  sent: number;
  /** Delivered from the job's spool after it closed (see spool-sync.ts); part of `stored`. */
  synced: number;
  /** Records still in the job's spool at the end. */
  leftInSpool: number;
  stored: number;
  missing: number;
  storedTwice: number;
  unexpected: number;
  ok: boolean;
}

export const metricKey = (name: string, step: number | null): string => `${name}@${String(step)}`;

export class Ledger {
  readonly metrics = new Set<string>();
  readonly annotations = new Set<string>();

  metric(name: string, step: number): void {
    const key = metricKey(name, step);
    if (this.metrics.has(key)) throw new Error(`soak bug: ${key} sent twice by one source`);
    this.metrics.add(key);
  }

  annotation(text: string): void {
    if (this.annotations.has(text)) throw new Error(`soak bug: annotation ${JSON.stringify(text)} sent twice by one source`);
    this.annotations.add(text);
  }

  get sent(): number {
    return this.metrics.size + this.annotations.size;
  }
}

function compareKind(sent: ReadonlySet<string>, stored: ReadonlyMap<string, number>): { stored: number; missing: number; storedTwice: number; unexpected: number } {
  let found = 0;
  let storedTwice = 0;
  let unexpected = 0;
  for (const [key, count] of stored) {
    if (!sent.has(key)) unexpected += count;
    else {
      found += 1;
      storedTwice += count - 1;
    }
  }
  return { stored: found, missing: sent.size - found, storedTwice, unexpected };
}

export function checkSource(source: string, slug: string, ledger: Ledger, stored: StoredEvents, client: ClientCounts, spool: SpoolCounts = noSpool): SourceReport {
  const m = compareKind(ledger.metrics, stored.metrics);
  const a = compareKind(ledger.annotations, stored.annotations);
  const missing = m.missing + a.missing;
  const storedTwice = m.storedTwice + a.storedTwice;
  const unexpected = m.unexpected + a.unexpected;
  // Missing events are acceptable only as many as the client side reports dropped or failed, or
  // its spool still holds, with a reason: sent = stored + dropped (counted) + left in spool.
  const accounted = client.dropped + client.failed + spool.leftInSpool;
  const reasons = [...client.reasons, ...spool.reasons];
  // Events still queued in memory when the counts were taken are accounted for if the spool kept
  // them, or if they were stored anyway: the counts are taken before the job's final shutdown, whose
  // drain may still deliver them (or a store-then-fail answer hid their delivery from the client).
  const storedBeyondAccepted = Math.max(0, m.stored + a.stored - client.accepted);
  const pendingCovered = client.pending <= spool.synced + spool.leftInSpool + storedBeyondAccepted;
  const ok = storedTwice === 0 && unexpected === 0 && pendingCovered && missing <= accounted && (accounted === 0 || reasons.length > 0);
  const { synced, leftInSpool } = spool;
  return { source, slug, sent: ledger.sent, stored: m.stored + a.stored, missing, storedTwice, unexpected, ...client, reasons, synced, leftInSpool, ok };
}
