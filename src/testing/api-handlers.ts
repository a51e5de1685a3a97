/**
 * One function per endpoint of the contract (`src/api/contract.ts`): given the parsed request, change the store and
 * return the answer. Transport concerns (auth, idempotency, faults, body limits) live in
 * `emulator-server.ts`.
 */
import { z } from "zod";
import { apiLimits, experimentStatuses, jsonObjectSchema } from "../api/contract.ts";
import type { Experiment, IngestResult, SeriesBatch, SeriesQuery, ValidationDetail } from "../api/contract.ts";
import type { EmulatorStore, ExperimentData, StoredSeries } from "./emulator-store.ts";
import { errorReply, jsonReply } from "./http-io.ts";
import type { Reply } from "./http-io.ts";
import { itemsOf, validateAnnotations, validateMetrics } from "./validate-events.ts";

export interface HandlerContext {
  store: EmulatorStore;
  now: () => number;
  newId: () => string;
  /** Decoded `{id}` path segment, when the route has one. */
  param: string;
  query: URLSearchParams;
  body: unknown;
  /** Called with the number of events accepted and duplicates suppressed by an ingest. */
  onIngest: (kind: "metrics" | "annotations", accepted: number, duplicates: number) => void;
}

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

const createExperimentSchema = z.object({
  slug: z.string().min(1).max(255),
  description: z.string().nullable().optional(),
  folder_id: z.string().min(1).nullable().optional(),
  metadata: jsonObjectSchema.optional(),
});
const updateExperimentSchema = z.object({ status: z.enum(experimentStatuses) });
const seriesQuerySchema: z.ZodType<SeriesQuery> = z.object({
  experiment_id: z.string().min(1),
  metric_name: z.string().min(1).optional(),
  metadata_filter: z.array(z.object({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) })).optional(),
  order: z.object({ axis: z.enum(["step", "timestamp"]), direction: z.enum(["asc", "desc"]) }).optional(),
});

export function validationFailed(details: ValidationDetail[]): Reply {
  const first = details[0];
  const where = first ? `${first.index === null ? "" : `item ${first.index}: `}${first.field || "item"} ${first.message}` : "invalid request";
  return errorReply(422, "validation_failed", `Validation failed: ${where}`, { details });
}

export function zodFailure(error: z.ZodError): Reply {
  return validationFailed(error.issues.map((issue) => ({ index: null, field: issue.path.map(String).join("."), message: issue.message })));
}

function notFound(what: string): Reply {
  return errorReply(404, "not_found", `${what} not found`);
}

export function createExperiment(ctx: HandlerContext): Reply {
  const parsed = createExperimentSchema.safeParse(ctx.body);
  if (!parsed.success) return zodFailure(parsed.error);
  const body = parsed.data;
  const existing = ctx.store.bySlug.get(body.slug);
  if (existing) {
    return errorReply(409, "experiment_exists", `An experiment with slug "${body.slug}" already exists`, { experiment_id: existing.experiment.id });
  }
  if (body.folder_id != null && !ctx.store.folder(body.folder_id)) {
    return validationFailed([{ index: null, field: "folder_id", message: `no folder with id "${body.folder_id}"` }]);
  }
  const experiment: Experiment = {
    id: ctx.newId(),
    slug: body.slug,
    description: body.description ?? null,
    folder_id: body.folder_id ?? null,
    metadata: body.metadata ?? {},
    status: "created",
    created_at: Math.floor(ctx.now()),
  };
  ctx.store.addExperiment(experiment);
  return jsonReply(201, { experiment });
}

export function getExperiment(ctx: HandlerContext): Reply {
  const data = ctx.store.lookup(ctx.param);
  return data ? jsonReply(200, { experiment: data.experiment }) : notFound(`Experiment "${ctx.param}"`);
}

export function updateExperiment(ctx: HandlerContext): Reply {
  const data = ctx.store.byId.get(ctx.param);
  if (!data) return notFound(`Experiment "${ctx.param}"`);
  const parsed = updateExperimentSchema.safeParse(ctx.body);
  if (!parsed.success) return zodFailure(parsed.error);
  return jsonReply(200, { experiment: ctx.store.setStatus(data, parsed.data.status) });
}

type Page = { ok: true; start: number; limit: number } | { ok: false; reply: Reply };

/** `limit` and `cursor` of a list query; cursors are opaque positions in a stable order. */
function page(query: URLSearchParams, kind: string): Page {
  const limitText = query.get("limit");
  const limit = limitText === null ? DEFAULT_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    return { ok: false, reply: validationFailed([{ index: null, field: "limit", message: `must be an integer from 1 to ${MAX_PAGE}` }]) };
  }
  const cursor = query.get("cursor");
  if (cursor === null || cursor === "") return { ok: true, start: 0, limit };
  const match = /^(\w+):(\d+)$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match || match[1] !== kind) {
    return { ok: false, reply: validationFailed([{ index: null, field: "cursor", message: "is not a cursor of this list" }]) };
  }
  return { ok: true, start: Number(match[2]), limit };
}

function cursorAt(kind: string, position: number): string {
  return Buffer.from(`${kind}:${position}`).toString("base64url");
}

export function listExperiments(ctx: HandlerContext): Reply {
  const p = page(ctx.query, "experiments");
  if (!p.ok) return p.reply;
  const slug = ctx.query.get("slug");
  const folderId = ctx.query.get("folder_id");
  const matches = (e: Experiment): boolean => (slug === null || e.slug === slug) && (folderId === null || e.folder_id === folderId);
  const experiments: Experiment[] = [];
  const all = ctx.store.ordered;
  let position = p.start;
  for (; position < all.length && experiments.length < p.limit; position++) {
    const e = all[position]!.experiment;
    if (matches(e)) experiments.push(e);
  }
  const more = all.slice(position).some(({ experiment }) => matches(experiment));
  return jsonReply(200, { experiments, next_cursor: more ? cursorAt("experiments", position) : null });
}

export function findFolders(ctx: HandlerContext): Reply {
  const path = ctx.query.get("path");
  if (path === null || !path.startsWith("/")) {
    return validationFailed([{ index: null, field: "path", message: "must be an absolute folder path such as /team/project" }]);
  }
  return jsonReply(200, { folders: ctx.store.folders.filter((f) => f.path === path) });
}

function ingest(ctx: HandlerContext, kind: "metrics" | "annotations"): Reply {
  const data = ctx.store.byId.get(ctx.param);
  if (!data) return notFound(`Experiment "${ctx.param}"`);
  const found = itemsOf(ctx.body, kind);
  if (!found.ok) return validationFailed(found.details);
  const items = found.items;
  if (items.length > apiLimits.maxIngestItems) {
    return errorReply(413, "payload_too_large", `At most ${apiLimits.maxIngestItems} ${kind} per request (got ${items.length})`);
  }
  let counts: IngestResult;
  if (kind === "metrics") {
    const valid = validateMetrics(items);
    if (!valid.ok) return validationFailed(valid.details);
    counts = ctx.store.ingestMetrics(data, valid.items);
  } else {
    const valid = validateAnnotations(items);
    if (!valid.ok) return validationFailed(valid.details);
    counts = ctx.store.ingestAnnotations(data, valid.items);
  }
  ctx.onIngest(kind, counts.accepted, counts.duplicates);
  return jsonReply(200, counts);
}

export const ingestMetrics = (ctx: HandlerContext): Reply => ingest(ctx, "metrics");
export const ingestAnnotations = (ctx: HandlerContext): Reply => ingest(ctx, "annotations");

export function querySeries(ctx: HandlerContext): Reply {
  const parsed = seriesQuerySchema.safeParse(ctx.body);
  if (!parsed.success) return zodFailure(parsed.error);
  const q = parsed.data;
  const data = ctx.store.byId.get(q.experiment_id);
  if (!data) return notFound(`Experiment "${q.experiment_id}"`);
  const series: SeriesBatch[] = [];
  for (const s of data.series.values()) {
    if (q.metric_name !== undefined && s.name !== q.metric_name) continue;
    if (q.metadata_filter?.some((f) => s.metadata[f.key] !== f.value)) continue;
    series.push(seriesBatch(data, s, q.order ?? { axis: "step", direction: "asc" }));
  }
  return jsonReply(200, { series });
}

/** The series' points sorted on the axis (ties keep arrival order; null steps sort last). */
export function seriesBatch(data: ExperimentData, s: StoredSeries, order: NonNullable<SeriesQuery["order"]>): SeriesBatch {
  const sign = order.direction === "asc" ? 1 : -1;
  const axis = order.axis === "step" ? s.steps : s.timestamps;
  const key = (i: number): number => axis[i] ?? Number.POSITIVE_INFINITY;
  const indexes = Array.from(s.values, (_, i) => i);
  indexes.sort((a, b) => (key(a) === key(b) ? a - b : key(a) < key(b) ? -sign : sign));
  return {
    experiment_id: data.experiment.id,
    metric_name: s.name,
    metadata: s.metadata,
    data: { steps: indexes.map((i) => s.steps[i] ?? null), timestamp: indexes.map((i) => s.timestamps[i]!), value: indexes.map((i) => s.values[i]!) },
  };
}

export function listAnnotations(ctx: HandlerContext): Reply {
  const data = ctx.store.byId.get(ctx.param);
  if (!data) return notFound(`Experiment "${ctx.param}"`);
  const p = page(ctx.query, "annotations");
  if (!p.ok) return p.reply;
  const end = Math.min(p.start + p.limit, data.annotations.length);
  const annotations = data.annotations.slice(p.start, end);
  return jsonReply(200, { annotations, next_cursor: end < data.annotations.length ? cursorAt("annotations", end) : null });
}
