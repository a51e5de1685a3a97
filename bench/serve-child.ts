/**
 * The other half of `child-server.ts`, for the small counting servers the benches run in child
 * processes: each request body is read whole and handed to `handle`, whose answer is sent as JSON
 * and whose `count` is added to a running total that `GET /count` answers. Listens on a free
 * loopback port, prints `{"url": ..., "apiKey": ...}` on one line, serves until stdin closes.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface CountingReply {
  status: number;
  body: unknown;
  /** Events (or points) this request carried. */
  count?: number;
}

export function serveCounting(apiKey: string, handle: (req: IncomingMessage, body: string) => CountingReply): void {
  let total = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const reply = req.url === "/count" ? { status: 200, body: { total } } : handle(req, Buffer.concat(chunks).toString("utf8"));
      total += reply.count ?? 0;
      res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, apiKey })}\n`);
  });
  process.stdin.resume();
  process.stdin.on("end", () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
