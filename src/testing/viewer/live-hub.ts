/**
 * Server-Sent Events for live charts: the store calls `changed()` after each write; every open
 * `/_viewer/api/events` stream gets one `change` event per burst (coalesced over `coalesceMs`, so a
 * run logging thousands of batches a second costs the browsers a few refetches, not thousands).
 */
import type { ServerResponse } from "node:http";

export class LiveHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #coalesceMs: number;
  #version = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(coalesceMs = 150) {
    this.#coalesceMs = coalesceMs;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Registers an SSE response (headers are written here) until the client goes away. */
  attach(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" });
    // The retry hint makes a browser reconnect quickly after an emulator restart.
    res.write(`retry: 500\nevent: hello\ndata: ${JSON.stringify({ version: this.#version })}\n\n`);
    this.#clients.add(res);
    res.on("close", () => this.#clients.delete(res));
  }

  changed(): void {
    this.#version++;
    if (this.#timer || this.#clients.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const message = `event: change\ndata: ${JSON.stringify({ version: this.#version })}\n\n`;
      for (const res of this.#clients) res.write(message);
    }, this.#coalesceMs);
    // A pending notice must not keep a stopping process alive.
    this.#timer.unref();
  }

  /** Ends every stream (the server is closing). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}
