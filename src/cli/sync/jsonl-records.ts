/**
 * The records of our JSONL format (`JsonlCollector`, exporter `jsonlPath`, bridge `--jsonl`),
 * read back for upload: an `experiment` record per experiment (before its first event), then
 * `metric`, `annotation` and `status` records naming it by slug. Events keep exactly the API's
 * fields, so what is uploaded is what the live path would have sent.
 */
import type { AnnotationEvent, ExperimentStatus, JsonObject, MetricEvent, MetricMetadata } from "../../api/contract.ts";
import { experimentStatuses } from "../../api/contract.ts";
import type { ExperimentSpec } from "../../mapping/experiment.ts";

export type SyncRecord =
  | { type: "experiment"; slug: string; spec: ExperimentSpec }
  | { type: "status"; slug: string; status: ExperimentStatus }
  | { type: "metric"; slug: string; event: MetricEvent }
  | { type: "annotation"; slug: string; event: AnnotationEvent };

export type EventKind = "metric" | "annotation";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** A record, or a message saying why the line is not one (the caller adds file and line). */
export function parseRecord(text: string): SyncRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not valid JSON";
  }
  if (!isObject(value)) return "not a JSON object";
  const slug = value["experiment"];
  if (typeof slug !== "string" || slug === "") return `no "experiment" slug`;
  switch (value["type"]) {
    case "experiment":
      return { type: "experiment", slug, spec: specOf(slug, value) };
    case "status": {
      const status = value["status"];
      if (!experimentStatuses.includes(status as ExperimentStatus)) return `status ${JSON.stringify(status)} is not one of ${experimentStatuses.join(", ")}`;
      return { type: "status", slug, status: status as ExperimentStatus };
    }
    case "metric":
      return hasId(value) ? { type: "metric", slug, event: metricOf(value) } : `metric record without a "client_event_id"`;
    case "annotation":
      return hasId(value) ? { type: "annotation", slug, event: annotationOf(value) } : `annotation record without a "client_event_id"`;
    default:
      return `unknown record type ${JSON.stringify(value["type"])}`;
  }
}

/** Without an id the server could not deduplicate a resend: such a line is never sent. */
function hasId(value: Record<string, unknown>): boolean {
  return typeof value["client_event_id"] === "string" && value["client_event_id"] !== "";
}

/** The experiment as its writer described it; a local id (`local:<slug>`) is not the server's, so only the folder counts. */
function specOf(slug: string, r: Record<string, unknown>): ExperimentSpec {
  const description = optionalString(r["description"]);
  const folderId = optionalString(r["folder_id"]);
  const folderPath = optionalString(r["folder_path"]);
  return {
    slug,
    ...(description === undefined ? {} : { description }),
    // A record has one or the other; if both, the id is the more precise.
    ...(folderId !== undefined ? { folderId } : folderPath !== undefined ? { folderPath } : {}),
    metadata: isObject(r["metadata"]) ? (r["metadata"] as JsonObject) : {},
  };
}

// The server validates values; these only keep the API's fields, in the API's shape.
function metricOf(r: Record<string, unknown>): MetricEvent {
  return {
    client_event_id: r["client_event_id"] as string,
    name: r["name"] as string,
    value: r["value"] as number,
    step: (r["step"] ?? null) as number | null,
    timestamp: r["timestamp"] as number,
    metadata: (isObject(r["metadata"]) ? r["metadata"] : {}) as MetricMetadata,
  };
}

function annotationOf(r: Record<string, unknown>): AnnotationEvent {
  return {
    client_event_id: r["client_event_id"] as string,
    text: r["text"] as string,
    timestamp: r["timestamp"] as number,
    metadata: (isObject(r["metadata"]) ? r["metadata"] : {}) as JsonObject,
  };
}
