/**
 * A minimal ingest server for measuring the delivery path alone (outbox + client + HTTP): reads
 * each body, counts its events without parsing, answers `{"accepted": n, "duplicates": 0}`.
 * `GET /count` answers the total. Prints `{"url": ...}`, serves until stdin closes.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const MARKER = '"client_event_id":';
let total = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    if (req.url === "/count") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ total }));
      return;
    }
    const body = Buffer.concat(chunks).toString("utf8");
    let n = 0;
    for (let at = body.indexOf(MARKER); at !== -1; at = body.indexOf(MARKER, at + MARKER.length)) n++;
    total += n;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ accepted: n, duplicates: 0 }));
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
