/**
 * The viewer's HTTP routes: the page (`/`), its static files (`/_viewer/assets/*`), read-only JSON
 * (`/_viewer/api/*`) and the live stream (`/_viewer/api/events`).
 *
 * Access: the pages need no API key, because only a browser on this machine can use them: the
 * client must connect from a loopback address, and the `Host` header must name a loopback host
 * (so a web page elsewhere cannot read the data through DNS rebinding). Everything is GET/HEAD:
 * no viewer route can change the store, and the API routes (which can) still need the key.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorStore } from "../emulator-store.ts";
import { LiveHub } from "./live-hub.ts";
import { experimentDetail, listExperiments, metricChart } from "./read-model.ts";
import type { ChartRequest } from "./read-model.ts";
import { asset } from "./static-assets.ts";

export const VIEWER_PREFIX = "/_viewer/";
const MAX_COMPARED = 5;

export interface Viewer {
  /** True when `pathname` is the viewer's (`/` or under `/_viewer/`). */
  owns(pathname: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The store changed: live pages refetch. */
  changed(): void;
  /** Ends the live streams. */
  close(): void;
}

/** The path of a request target, without its query. */
export function pathOf(target: string | undefined): string {
  const url = target ?? "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (`::ffff:127.0.0.1`). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/** `localhost`, `127.x.y.z` or `[::1]`, with or without a port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d+$/, "");
  return name === "localhost" || name === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

const securityHeaders = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  // Scripts only from this server, no inline script, no framing. uPlot sets style attributes.
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...securityHeaders, "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(req.method === "HEAD" ? undefined : body);
}

function json(req: IncomingMessage, res: ServerResponse, status: number, value: unknown): void {
  send(req, res, status, "application/json; charset=utf-8", JSON.stringify(value));
}

function fail(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  json(req, res, status, { error: { code, message } });
}

class BadQuery extends Error {}

function numberParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new BadQuery(`query parameter ${name} must be a finite number (got ${JSON.stringify(raw)})`);
  return value;
}

function chartRequest(query: URLSearchParams): ChartRequest {
  const width = numberParam(query, "width") ?? 1000;
  if (!Number.isInteger(width) || width < 10 || width > 10_000) throw new BadQuery(`query parameter width must be an integer from 10 to 10000 (got ${width})`);
  const from = numberParam(query, "from");
  const to = numberParam(query, "to");
  return { buckets: width, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

export function createViewer(store: EmulatorStore): Viewer {
  const hub = new LiveHub();

  function api(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void {
    if (path === "experiments") return json(req, res, 200, { experiments: listExperiments(store) });
    if (path.startsWith("experiments/")) {
      let id: string;
      try {
        id = decodeURIComponent(path.slice("experiments/".length));
      } catch {
        return fail(req, res, 400, "bad_request", "malformed experiment id in the path");
      }
      const detail = experimentDetail(store, id);
      return detail ? json(req, res, 200, detail) : fail(req, res, 404, "not_found", `no experiment with id or slug ${JSON.stringify(id)}`);
    }
    if (path === "chart") {
      const experiments = query.getAll("experiment");
      const metric = query.get("metric");
      if (experiments.length < 1 || experiments.length > MAX_COMPARED) throw new BadQuery(`query parameter experiment must be given 1 to ${MAX_COMPARED} times (got ${experiments.length})`);
      if (!metric) throw new BadQuery("query parameter metric is required");
      const chart = metricChart(store, experiments, metric, chartRequest(query));
      return chart ? json(req, res, 200, chart) : fail(req, res, 404, "not_found", `no experiment with id or slug among ${JSON.stringify(experiments)}`);
    }
    if (path === "events") return hub.attach(res);
    fail(req, res, 404, "not_found", `no viewer route /_viewer/api/${path}`);
  }

  function serveAsset(req: IncomingMessage, res: ServerResponse, name: string): void {
    const loading = asset(name);
    if (!loading) return fail(req, res, 404, "not_found", `no viewer asset ${JSON.stringify(name)}`);
    loading.then(
      (file) => send(req, res, 200, file.type, file.body),
      (error: unknown) => fail(req, res, 500, "internal_error", `viewer asset ${name} unreadable: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  return {
    owns: (pathname) => pathname === "/" || pathname.startsWith(VIEWER_PREFIX),
    handle(req, res) {
      const target = req.url ?? "/";
      const pathname = pathOf(target);
      const query = new URLSearchParams(target.slice(pathname.length + 1));
      if (!isLoopbackAddress(req.socket.remoteAddress) || !isLoopbackHost(req.headers.host)) {
        return fail(req, res, 403, "forbidden", "the viewer answers browsers on this machine only (open it at http://127.0.0.1:<port>/)");
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("allow", "GET, HEAD");
        return fail(req, res, 405, "method_not_allowed", `the viewer is read-only: ${req.method ?? "?"} is not allowed on ${pathname}`);
      }
      // Whatever body came with a GET is not read: drain it so the connection stays usable.
      req.resume();
      if (pathname === "/") return serveAsset(req, res, "index.html");
      const rest = pathname.slice(VIEWER_PREFIX.length);
      if (rest.startsWith("assets/")) return serveAsset(req, res, rest.slice("assets/".length));
      if (rest.startsWith("api/")) {
        try {
          return api(req, res, rest.slice("api/".length), query);
        } catch (error) {
          if (error instanceof BadQuery) return fail(req, res, 400, "bad_request", error.message);
          throw error;
        }
      }
      fail(req, res, 404, "not_found", `no viewer route ${pathname}`);
    },
    changed: () => hub.changed(),
    close: () => hub.close(),
  };
}
