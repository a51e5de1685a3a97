/** Small `node:http` helpers of the emulator: bounded body reading and contract-shaped answers. */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface Reply {
  status: number;
  /** Serialised JSON body. */
  body: string;
  headers?: Record<string, string>;
}

export function jsonReply(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body: JSON.stringify(value), headers } : { status, body: JSON.stringify(value) };
}

/** `{"error": {"code", "message", ...extra}}`, the contract's error body. */
export function errorReply(status: number, code: string, message: string, extra?: Record<string, unknown>): Reply {
  return jsonReply(status, { error: { code, message, ...extra } });
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(reply.body),
    ...reply.headers,
  });
  res.end(reply.body);
}

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: "too_large" | "aborted" };

/**
 * Reads the body, giving up as soon as it exceeds `maxBytes` (from `Content-Length` or while
 * reading): an oversized body is never buffered. The rest of an oversized body is discarded
 * (not buffered) so the connection stays usable for the 413 answer.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve({ ok: false, reason: "too_large" });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult): void => {
      if (done) return;
      done = true;
      req.off("data", onData);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        finish({ ok: false, reason: "too_large" });
        req.resume();
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) }));
    req.once("error", () => finish({ ok: false, reason: "aborted" }));
    req.once("close", () => finish({ ok: false, reason: "aborted" }));
  });
}

/** Answers early (auth, routing, injected faults) and discards whatever body is still coming. */
export function sendAndDrain(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  send(res, reply);
  if (!req.readableEnded) req.resume();
}

/** Resets the connection: the client gets no answer at all. */
export function resetConnection(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}
