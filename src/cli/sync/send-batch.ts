/**
 * Sends one experiment-and-kind group of a JSONL window. The Idempotency-Key is a digest of the
 * events' ids, so a resend after a crash is the same request (the server replays its answer). When
 * the server refuses the data itself, one bad line must cost its own event, not its neighbours':
 * a `validation_failed` naming the items (`details[].index`) drops exactly those and resends the
 * rest once; a refusal that names none (413, a body-level error) halves the group, down to
 * single events. Every step is decided by the answers alone, so a resend repeats the same requests.
 */
import { createHash } from "node:crypto";
import type { AnnotationEvent, MetricEvent } from "../../api/contract.ts";
import { SyvainApiError, SyvainError } from "../../api/errors.ts";
import type { SyvainClient } from "../../client/client-types.ts";
import { sleep } from "../../client/retry/sleep.ts";
import { withRetries } from "../../client/with-retries.ts";
import type { EventKind } from "./jsonl-records.ts";

export interface Group {
  slug: string;
  kind: EventKind;
  events: (MetricEvent | AnnotationEvent)[];
  /** The line number of each event, for naming refused ones. */
  lines: number[];
}

export interface Refusal {
  lines: number[];
  reason: string;
}

export interface SendOptions {
  signal?: AbortSignal | undefined;
  retries: number;
}

/** Refusals of the data itself: retrying cannot help, the rest of the file can still go. */
const DATA_ERRORS: ReadonlySet<string> = new Set(["validation", "payload_too_large", "invalid_argument"]);

/** The experiment and kind are part of the key: one key never names two different bodies. */
export function batchKey(experimentId: string, kind: EventKind, events: readonly { client_event_id: string }[]): string {
  const digest = createHash("sha256").update(`${experimentId}\n${kind}\n`);
  for (const event of events) digest.update(`${event.client_event_id}\n`);
  return `sync-${digest.digest("hex")}`;
}

/** Stores what the server accepts; returns what it refused for good. Anything else (key, network) throws. */
export async function sendGroup(client: SyvainClient, experimentId: string, group: Group, options: SendOptions): Promise<Refusal[]> {
  const call = { idempotencyKey: batchKey(experimentId, group.kind, group.events), ...(options.signal === undefined ? {} : { signal: options.signal }) };
  const attempt = (): Promise<unknown> =>
    group.kind === "metric"
      ? client.ingestMetrics(experimentId, group.events as MetricEvent[], call)
      : client.ingestAnnotations(experimentId, group.events as AnnotationEvent[], call);
  try {
    await withRetries(attempt, { retries: options.retries, random: Math.random, sleep, signal: options.signal });
    return [];
  } catch (error) {
    if (!(error instanceof SyvainError && DATA_ERRORS.has(error.code))) throw error;
    if (group.events.length === 1) return [{ lines: group.lines, reason: error.message }];
    const named = namedItems(error, group.events.length);
    if (named !== undefined) {
      const refused: Refusal[] = [...named].map(([index, reason]) => ({ lines: [group.lines[index]!], reason }));
      const rest = pick(group, (i) => !named.has(i));
      return rest.events.length === 0 ? refused : [...refused, ...(await sendGroup(client, experimentId, rest, options))];
    }
    const half = Math.ceil(group.events.length / 2);
    return [...(await sendGroup(client, experimentId, pick(group, (i) => i < half), options)), ...(await sendGroup(client, experimentId, pick(group, (i) => i >= half), options))];
  }
}

function pick(group: Group, keep: (index: number) => boolean): Group {
  return { ...group, events: group.events.filter((_, i) => keep(i)), lines: group.lines.filter((_, i) => keep(i)) };
}

/** Item index → why, when the refusal names only items of this request; else `undefined`. */
function namedItems(error: SyvainError, count: number): Map<number, string> | undefined {
  const details = error instanceof SyvainApiError ? error.details : undefined;
  if (details === undefined || details.length === 0) return undefined;
  const named = new Map<number, string>();
  for (const { index, field, message } of details) {
    if (index === null || !Number.isInteger(index) || index < 0 || index >= count) return undefined;
    named.set(index, [named.get(index), `${field} ${message}`].filter(Boolean).join("; "));
  }
  return named;
}
