/**
 * A tiny real HTTP server on 127.0.0.1:0 for client tests: records every request (method, path,
 * headers, body) and answers through a script, one handler call per request.
 */
import { createServer } from "node:http";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Responder = (request: RecordedRequest, response: ServerResponse, index: number) => void;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(respond: Responder): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(recorded);
      respond(recorded, res, requests.length - 1);
    });
  });
  server.keepAliveTimeout = 10;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

export function apiError(response: ServerResponse, status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  json(response, status, { error: { code, message, ...extra } }, headers);
}

/** Drops the connection without an answer (what a crashed proxy or a reset looks like). */
export const resetConnection: Responder = (_request, response) => {
  response.socket?.destroy();
};

export const experiment = (id: string, slug: string) => ({
  id,
  slug,
  description: null,
  folder_id: null,
  metadata: {},
  status: "created",
  created_at: 1_764_000_000_000,
});

/** Client options that make retries instant and deterministic: no jitter, and each wait recorded in `waits` (ms). */
export function instantRetries(waits: number[]): { random: () => number; sleep: (ms: number) => Promise<void> } {
  return {
    random: () => 0,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  };
}
