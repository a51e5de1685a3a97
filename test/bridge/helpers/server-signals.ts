/**
 * Server-side signals for tests that drive raw sockets: instead of sleeping and hoping the
 * server has parsed what was sent, wait until the server says it has.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";

/** Published by `node:http` once a server has parsed a request's head, right before its request listener runs. */
const REQUEST_START = "http.server.request.start";

/**
 * Resolves once an HTTP server in this process listening on `port` has handed a request for
 * `path` to its request listener; rejects after `timeoutMs` (a request the server never saw).
 * Call it before sending, so the signal cannot be missed.
 */
export function requestReachesServer(port: number, path: string, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe(REQUEST_START, onStart);
    };
    const onStart = (message: unknown): void => {
      const { request } = message as { request: IncomingMessage };
      if (request.url !== path || request.socket.localPort !== port) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no request for ${path} reached the server on port ${port} within ${timeoutMs} ms`));
    }, timeoutMs).unref();
    subscribe(REQUEST_START, onStart);
  });
}
