/**
 * The Syvain-side twin of `otlp-json-sink-process.ts`: a loopback server that does no more than
 * the OTLP sink does — parse each ingest body (`JSON.parse`) and count its events — so the
 * exporter comparison can be made with the same (minimal) server work on both sides. Experiment
 * creation answers a made-up experiment; no validation, no dedup, no storage (the emulator rows
 * measure those). `GET /count` answers the total. Prints `{"url": ...}`, serves until stdin closes.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

let total = 0;
let experiments = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.url === "/count") return json(200, { total });
    const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
    if (req.method === "POST" && req.url === "/api/v1/experiments") {
      experiments += 1;
      const experiment = { id: `exp-${experiments}`, slug: body.slug, description: null, folder_id: null, metadata: {}, status: "created", created_at: Date.now() };
      return json(201, { experiment });
    }
    const items = (body.metrics ?? body.annotations) as unknown[] | undefined;
    if (req.method === "POST" && items) {
      total += items.length;
      return json(200, { accepted: items.length, duplicates: 0 });
    }
    return json(404, { error: { code: "not_found", message: `${req.method} ${req.url}` } });
  });
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, apiKey: "ak_org_bench" })}\n`);
});
process.stdin.resume();
process.stdin.on("end", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
