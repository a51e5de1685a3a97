/**
 * The request pipeline, in the order a real gateway + service would apply it: routing, injected
 * faults, auth, method, headers, bounded body, idempotency, JSON, the endpoint, then the answer
 * (or a store-then-fail).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { apiLimits, IDEMPOTENCY_KEY_HEADER } from "../api/contract.ts";
import { validationFailed, zodFailure } from "./api-handlers.ts";
import type { EmulatorStore } from "./emulator-store.ts";
import { bump } from "./counters.ts";
import type { EmulatorCounters } from "./counters.ts";
import { describeFault, faultPlanSchema } from "./faults.ts";
import type { FaultAction, FaultController, StatusFault } from "./faults.ts";
import { errorReply, jsonReply, readBody, resetConnection, sendAndDrain } from "./http-io.ts";
import type { Reply } from "./http-io.ts";
import { matchRoute } from "./routes.ts";

export interface ServerDeps {
  store: EmulatorStore;
  faults: FaultController;
  counters: EmulatorCounters;
  acceptedKeys: ReadonlySet<string>;
  now: () => number;
  newId: () => string;
  /** The store changed: schedule a save. */
  onChange: () => void;
  stats: () => unknown;
}

const faultCodes: Record<number, string> = { 429: "rate_limited", 500: "internal_error", 502: "bad_gateway", 503: "unavailable", 504: "gateway_timeout" };

function statusFaultReply(fault: StatusFault): Reply {
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
  if (fault.retryAfterDate !== undefined) {
    headers["retry-after"] = typeof fault.retryAfterDate === "string" ? fault.retryAfterDate : fault.retryAfterDate.toUTCString();
  }
  return { ...errorReply(fault.status, faultCodes[fault.status] ?? "injected_fault", `Injected fault: HTTP ${fault.status}`), headers };
}

/** Scopes idempotency keys per API key without keeping the key itself (it may be persisted). */
function keyScope(cache: Map<string, string>, apiKey: string): string {
  let scope = cache.get(apiKey);
  if (scope === undefined) {
    scope = createHash("sha256").update(apiKey).digest("base64url").slice(0, 16);
    cache.set(apiKey, scope);
  }
  return scope;
}

function bearer(header: string | undefined): string | undefined {
  if (header === undefined || !header.startsWith("Bearer ")) return undefined;
  return header.slice(7).trim() || undefined;
}

export function createRequestListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const scopes = new Map<string, string>();
  const answer = (req: IncomingMessage, res: ServerResponse, reply: Reply): void => {
    bump(deps.counters.responses, String(reply.status));
    sendAndDrain(req, res, reply);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q === -1 ? url : url.slice(0, q);
    const match = matchRoute(method, pathname);
    bump(deps.counters.requests, match.kind === "api" || match.kind === "admin" ? match.route : "unmatched");

    let fault: FaultAction | undefined = match.kind === "api" ? deps.faults.next(match.route) : undefined;
    if (fault) {
      deps.counters.faultsInjected++;
      deps.counters.faultsByKind[describeFault(fault)]++;
      if ("delayMs" in fault) {
        // Unref'd: a delayed request must not keep a closed emulator's process alive.
        await sleep(fault.delayMs, undefined, { ref: false });
        fault = undefined;
      } else if ("reset" in fault) {
        return resetConnection(req);
      } else if ("status" in fault) {
        return answer(req, res, statusFaultReply(fault));
      }
    }

    const apiKey = bearer(req.headers.authorization);
    if (apiKey === undefined || !deps.acceptedKeys.has(apiKey)) {
      return answer(req, res, errorReply(401, "unauthorized", "Missing or invalid API key (expected `Authorization: Bearer <key>`)"));
    }
    if (match.kind === "not_found") return answer(req, res, errorReply(404, "not_found", `No route for ${method} ${pathname}`));
    if (match.kind === "method_not_allowed") {
      const reply = errorReply(405, "method_not_allowed", `${method} is not allowed on ${pathname} (allowed: ${match.allow.join(", ")})`);
      return answer(req, res, { ...reply, headers: { allow: match.allow.join(", ") } });
    }

    const hasBody = method === "POST" || method === "PATCH" || method === "PUT";
    let idempotencyKey: string | undefined;
    if (method === "POST" || method === "PATCH") {
      const header = req.headers[IDEMPOTENCY_KEY_HEADER];
      idempotencyKey = Array.isArray(header) ? header[0] : header;
      if (!idempotencyKey || idempotencyKey.length > apiLimits.maxIdempotencyKeyChars) {
        const message = `required on ${method}, at most ${apiLimits.maxIdempotencyKeyChars} characters`;
        const reply = validationFailed([{ index: null, field: "Idempotency-Key", message }]);
        return answer(req, res, { ...reply, status: 400 });
      }
    }
    let raw: Buffer | undefined;
    if (hasBody) {
      const type = req.headers["content-type"] ?? "";
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        return answer(req, res, errorReply(415, "unsupported_media_type", `Content-Type must be application/json (got ${type ? JSON.stringify(type) : "none"})`));
      }
      const read = await readBody(req, apiLimits.maxBodyBytes);
      if (!read.ok) {
        if (read.reason === "aborted") return;
        return answer(req, res, errorReply(413, "payload_too_large", `Request body exceeds ${apiLimits.maxBodyBytes} bytes`));
      }
      raw = read.body;
    }

    let record: { scope: string; fingerprint: string } | undefined;
    if (idempotencyKey !== undefined) {
      const scope = `${keyScope(scopes, apiKey)}\u0000${idempotencyKey}`;
      const fingerprint = createHash("sha256").update(`${method} ${pathname}\n`).update(raw ?? "").digest("base64url");
      const stored = deps.store.idempotency.get(scope);
      if (stored && stored.expiresAt > deps.now()) {
        if (stored.fingerprint !== fingerprint) {
          deps.counters.idempotencyConflicts++;
          const message = "This Idempotency-Key was already used for a different request";
          return answer(req, res, errorReply(422, "idempotency_key_reused", message));
        }
        deps.counters.idempotentReplays++;
        return deliver(req, res, { status: stored.status, body: stored.body, headers: { "idempotent-replayed": "true" } }, fault);
      }
      record = { scope, fingerprint };
    }

    let body: unknown;
    if (raw !== undefined) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch (error) {
        return answer(req, res, errorReply(400, "invalid_json", `Request body is not valid JSON: ${(error as Error).message}`));
      }
    }

    if (match.kind === "admin") return answer(req, res, admin(match.route, body));

    const query = new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
    const reply = match.handle({
      store: deps.store,
      now: deps.now,
      newId: deps.newId,
      param: match.param,
      query,
      body,
      onIngest: (kind, accepted, duplicates) => {
        if (kind === "metrics") deps.counters.metricsAccepted += accepted;
        else deps.counters.annotationsAccepted += accepted;
        deps.counters.duplicatesSuppressed += duplicates;
      },
    });
    // A failed request leaves no idempotency record (a store-then-fail one included), so a retry is applied again.
    if (record && reply.status < 500 && fault === undefined) {
      deps.store.idempotency.set(record.scope, { ...record, status: reply.status, body: reply.body, expiresAt: deps.now() + apiLimits.idempotencyTtlMs });
    }
    if (hasBody) deps.onChange();
    deliver(req, res, reply, fault);
  }

  function deliver(req: IncomingMessage, res: ServerResponse, reply: Reply, fault: FaultAction | undefined): void {
    if (fault === undefined || !("storeThenFail" in fault)) return answer(req, res, reply);
    if (fault.storeThenFail === "reset") return resetConnection(req);
    answer(req, res, errorReply(fault.storeThenFail, faultCodes[fault.storeThenFail] ?? "injected_fault", `Injected fault after storing: HTTP ${fault.storeThenFail}`));
  }

  function admin(route: "adminStats" | "adminFaults", body: unknown): Reply {
    if (route === "adminStats") return jsonReply(200, deps.stats());
    const parsed = faultPlanSchema.safeParse(body);
    if (!parsed.success) return zodFailure(parsed.error);
    deps.faults.replace(parsed.data);
    return jsonReply(200, { pending: deps.faults.pending() });
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      answer(req, res, errorReply(500, "internal_error", `Emulator error: ${error instanceof Error ? error.message : String(error)}`));
    });
  };
}
