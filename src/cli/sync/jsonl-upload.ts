/**
 * Uploads one JSONL file exactly once. Lines past the settled offset are read in windows (at most
 * 1000 events or 4 MiB of lines, so each experiment-and-kind group of a window is one valid ingest
 * request); each group is sent with an Idempotency-Key derived from its events' ids, and the
 * offset moves past the window only once every group is settled. A sync killed mid-window resends
 * that window as the same requests (the server replays them); a second sync finds the offset at
 * the end and sends nothing. Status records are applied last, after the events they follow.
 */
import { apiLimits } from "../../api/contract.ts";
import type { SyvainClient } from "../../client/client-types.ts";
import { restDestination } from "../../destinations/rest-destination.ts";
import { readJsonlLines } from "./jsonl-lines.ts";
import { planFile, type ExperimentPlan, type FilePlan } from "./jsonl-plan.ts";
import { parseRecord } from "./jsonl-records.ts";
import { orderedPipeline } from "./ordered-pipeline.ts";
import { sendGroup, type Group } from "./send-batch.ts";
import type { SyncProgress, SyncResult } from "./sync-source.ts";
import { freshState, identify, loadState, saveState, statePath, type SyncState } from "./sync-state.ts";

export interface JsonlUploadOptions {
  path: string;
  /** Absent for a dry run. */
  client?: SyvainClient;
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
  /** Retries of one ingest request after retryable failures. */
  retries?: number;
  /** Events per window (tests use small windows to interrupt between them). */
  windowEvents?: number;
  /** Windows in flight at once. @default 4 */
  concurrency?: number;
}

const WINDOW_BYTES = 4 * 1024 * 1024;

/** What the JSONL path would send, without sending (no state is written either). */
export async function describeJsonl(path: string): Promise<SyncResult> {
  const { state, notes } = await startingState(path);
  const plan = await planFile(path, state.offset);
  const pending = pendingStatuses(plan, state);
  const listed: string[] = [];
  for (const experiment of plan.experiments.values()) {
    const status = pending.includes(experiment) ? `, status ${experiment.status?.status}` : "";
    if (!experiment.unsettled && experiment.metric + experiment.annotation === 0 && status === "") continue;
    listed.push(`${experiment.slug}: ${experiment.metric} metric, ${experiment.annotation} annotation events${status} (from ${path})`);
  }
  if (listed.length === 0) listed.push(`${path}: nothing to send`);
  const result = { experiments: countExperiments(plan, pending), events: plan.events, delivered: 0, failed: 0, details: [...notes, ...tornNote(path, plan), ...listed] };
  return withEarlierFailures(result, state, path);
}

export async function uploadJsonl(options: JsonlUploadOptions): Promise<SyncResult> {
  const { path, client } = options;
  if (client === undefined) return describeJsonl(path);
  const { state, notes, unchanged } = await startingState(path);
  // Settled to its last byte and untouched since: not even read again.
  if (unchanged && state.offset === state.file.size && state.statusesThrough === state.offset) {
    return withEarlierFailures({ experiments: 0, events: 0, delivered: 0, failed: 0, details: [`${path}: already synced, nothing to send`] }, state, path);
  }
  const plan = await planFile(path, state.offset);
  const pending = pendingStatuses(plan, state);
  const result: SyncResult = { experiments: countExperiments(plan, pending), events: plan.events, delivered: 0, failed: 0, details: [...notes, ...tornNote(path, plan)] };
  if (plan.events === 0 && pending.length === 0 && state.offset === plan.end) {
    result.details.push(`${path}: already synced, nothing to send`);
    return withEarlierFailures(result, state, path);
  }
  // Stops the other windows in flight when one fails (they are resent, as the same requests, next time).
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  const ids = experimentIds(client, plan, signal);
  const progress = (): void => options.onProgress?.({ sentEvents: result.delivered + result.failed, totalEvents: plan.events, experiments: result.experiments });
  const sendWindow = async (window: Window): Promise<WindowOutcome> => {
    const refused: string[] = [];
    let failed = 0;
    for (const group of window.groups.values()) {
      for (const r of await sendGroup(client, await ids(group.slug), group, { signal, retries: options.retries ?? 5 })) {
        failed += r.lines.length;
        refused.push(`${path}:${r.lines.join(",")}: ${r.lines.length} ${group.kind} event${r.lines.length === 1 ? "" : "s"} of ${group.slug} refused: ${r.reason}`);
      }
    }
    return { window, refused, failed };
  };
  const pipeline = orderedPipeline<WindowOutcome>(options.concurrency ?? 4, async ({ window, refused, failed }) => {
    result.delivered += window.events - failed;
    result.failed += failed;
    state.failed.push(...refused, ...window.badLines);
    state.offset = window.end;
    await save(path, state);
    progress();
  });
  progress();
  try {
    await forEachWindow(path, plan, state.offset, options.windowEvents ?? apiLimits.maxIngestItems, (window) => pipeline.push(sendWindow(window)));
    await pipeline.drain();
  } catch (error) {
    stop.abort(error);
    throw error;
  }
  // Experiments without events still exist on the server, as they would have live.
  for (const experiment of plan.experiments.values()) if (experiment.unsettled) await ids(experiment.slug);
  for (const experiment of pending) {
    await client.updateExperimentStatus(await ids(experiment.slug), experiment.status!.status, { signal });
  }
  state.offset = plan.end;
  state.statusesThrough = plan.end;
  await save(path, state);
  if (result.delivered > 0 || pending.length > 0) result.details.push(`${path}: ${result.delivered} events and ${pending.length} statuses delivered to ${result.experiments} experiments`);
  return withEarlierFailures(result, state, path);
}

/** Refusals named on stderr per file; the state file keeps them all. */
const SHOWN_FAILURES = 20;

/** Failures stay failures: every later sync names them again and exits 1. */
function withEarlierFailures(result: SyncResult, state: SyncState, path: string): SyncResult {
  const hidden = state.failed.length - SHOWN_FAILURES;
  const more = hidden > 0 ? [`${path}: ... and ${hidden} more refused or skipped lines, listed in ${statePath(path)}`] : [];
  return { ...result, failed: Math.max(result.failed, state.failed.length > 0 ? 1 : 0), details: [...result.details, ...state.failed.slice(0, SHOWN_FAILURES), ...more] };
}

async function startingState(path: string): Promise<{ state: SyncState; notes: string[]; unchanged: boolean }> {
  const loaded = await loadState(path);
  if (loaded.kind === "unchanged" || loaded.kind === "resume") return { state: loaded.state, notes: [], unchanged: loaded.kind === "unchanged" };
  const state = freshState(await identify(path, 0));
  const notes = loaded.kind === "changed" ? [`${path}: ${loaded.reason}; starting over (the server drops events it already has)`] : [];
  return { state, notes, unchanged: false };
}

async function save(path: string, state: SyncState): Promise<void> {
  state.file = await identify(path, state.offset);
  await saveState(path, state);
}

function tornNote(path: string, plan: FilePlan): string[] {
  if (plan.tornLine === undefined) return [];
  return [`${path}:${plan.tornLine}: skipped an incomplete last line (its writer crashed mid-line, or is still writing; a later sync sends it once complete)`];
}

/** Last statuses not applied yet ("created" is every experiment's start, nothing to apply). */
function pendingStatuses(plan: FilePlan, state: SyncState): ExperimentPlan[] {
  return [...plan.experiments.values()].filter((e) => e.status !== undefined && e.status.status !== "created" && e.status.start >= state.statusesThrough);
}

function countExperiments(plan: FilePlan, pending: readonly ExperimentPlan[]): number {
  return [...plan.experiments.values()].filter((e) => e.unsettled || e.metric + e.annotation > 0 || pending.includes(e)).length;
}


/** Get-or-create, once per slug per sync, as the exporters do (same creation key). */
function experimentIds(client: SyvainClient, plan: FilePlan, signal: AbortSignal | undefined): (slug: string) => Promise<string> {
  const destination = restDestination(client);
  const known = new Map<string, Promise<string>>();
  return (slug) => {
    let id = known.get(slug);
    if (id === undefined) {
      const spec = plan.experiments.get(slug)?.spec ?? { slug, metadata: {} };
      id = destination.provision(spec, "get-or-create", signal).then((p) => p.id);
      known.set(slug, id);
    }
    return id;
  };
}

interface Window {
  groups: Map<string, Group>;
  events: number;
  badLines: string[];
  start: number;
  end: number;
}

interface WindowOutcome {
  window: Window;
  /** One line per refusal, naming the lines. */
  refused: string[];
  failed: number;
}

const emptyWindow = (start: number): Window => ({ groups: new Map(), events: 0, badLines: [], start, end: start });

async function forEachWindow(path: string, plan: FilePlan, offset: number, maxEvents: number, send: (window: Window) => Promise<void>): Promise<void> {
  let window = emptyWindow(offset);
  let bytes = 0;
  for await (const line of readJsonlLines(path, offset, plan.lineAtOffset)) {
    // Stop where the plan stopped: the file may have grown since, and a torn line is not settled.
    if (line.start >= plan.end || line.torn) break;
    const record = parseRecord(line.text);
    if (typeof record === "string") window.badLines.push(`${path}:${line.number}: skipped, ${record}`);
    else if (record.type === "metric" || record.type === "annotation") {
      const key = `${record.type}\u0000${record.slug}`;
      let group = window.groups.get(key);
      if (group === undefined) window.groups.set(key, (group = { slug: record.slug, kind: record.type, events: [], lines: [] }));
      group.events.push(record.event);
      group.lines.push(line.number);
      window.events++;
      bytes += line.end - line.start;
    }
    window.end = line.end;
    if (window.events >= maxEvents || bytes >= WINDOW_BYTES) {
      await send(window);
      window = emptyWindow(window.end);
      bytes = 0;
    }
  }
  if (window.end > window.start) await send(window);
}
