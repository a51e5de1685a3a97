/** Maps `METHOD /path` to an emulator route, with 404 and 405 (plus `Allow`) for the rest. */
import { API_BASE_PATH } from "../api/contract.ts";
import * as handlers from "./api-handlers.ts";
import type { HandlerContext } from "./api-handlers.ts";
import type { EmulatorRoute } from "./faults.ts";
import type { Reply } from "./http-io.ts";

export type AdminRoute = "adminStats" | "adminFaults";

export type RouteMatch =
  | { kind: "api"; route: EmulatorRoute; param: string; handle: (ctx: HandlerContext) => Reply }
  | { kind: "admin"; route: AdminRoute }
  | { kind: "method_not_allowed"; allow: string[] }
  | { kind: "not_found" };

type Table = Partial<Record<string, { route: EmulatorRoute; handle: (ctx: HandlerContext) => Reply }>>;

const collection: Table = {
  POST: { route: "createExperiment", handle: handlers.createExperiment },
  GET: { route: "listExperiments", handle: handlers.listExperiments },
};
const single: Table = {
  GET: { route: "getExperiment", handle: handlers.getExperiment },
  PATCH: { route: "updateExperiment", handle: handlers.updateExperiment },
};
const metrics: Table = { POST: { route: "ingestMetrics", handle: handlers.ingestMetrics } };
const annotations: Table = {
  POST: { route: "ingestAnnotations", handle: handlers.ingestAnnotations },
  GET: { route: "listAnnotations", handle: handlers.listAnnotations },
};
const folders: Table = { GET: { route: "findFolders", handle: handlers.findFolders } };
const series: Table = { POST: { route: "querySeries", handle: handlers.querySeries } };

function pick(table: Table, method: string, param: string): RouteMatch {
  const entry = table[method];
  if (entry) return { kind: "api", route: entry.route, param, handle: entry.handle };
  return { kind: "method_not_allowed", allow: Object.keys(table) };
}

export function matchRoute(method: string, pathname: string): RouteMatch {
  if (pathname === "/_emulator/stats") return method === "GET" ? { kind: "admin", route: "adminStats" } : { kind: "method_not_allowed", allow: ["GET"] };
  if (pathname === "/_emulator/faults") return method === "PUT" ? { kind: "admin", route: "adminFaults" } : { kind: "method_not_allowed", allow: ["PUT"] };
  if (!pathname.startsWith(`${API_BASE_PATH}/`)) return { kind: "not_found" };
  const parts = pathname.slice(API_BASE_PATH.length + 1).split("/");
  const [resource, rawParam, sub, ...rest] = parts;
  if (rest.length > 0) return { kind: "not_found" };
  if (resource === "folders" && rawParam === undefined) return pick(folders, method, "");
  if (resource === "metrics" && rawParam === "series" && sub === undefined) return pick(series, method, "");
  if (resource !== "experiments") return { kind: "not_found" };
  if (rawParam === undefined) return pick(collection, method, "");
  let param: string;
  try {
    param = decodeURIComponent(rawParam);
  } catch {
    return { kind: "not_found" };
  }
  if (param === "") return { kind: "not_found" };
  if (sub === undefined) return pick(single, method, param);
  if (sub === "metrics") return pick(metrics, method, param);
  if (sub === "annotations") return pick(annotations, method, param);
  return { kind: "not_found" };
}
